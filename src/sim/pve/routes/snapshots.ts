import { hasPrivilege } from "../auth/acl.js";
import { handlerError, permissionError, TaskFailure } from "../errors.js";
import { driveKeys, isCdrom, parseDrive } from "../state/disks.js";
import type { GuestState, VmState } from "../state/types.js";
import { isTemplate, vmFromRequest } from "./qemu-common.js";
import { num, ownerOf, type RequestContext, type RouteDefinition, str } from "./types.js";

function copyGuest(g: GuestState): GuestState {
  return { ...g, packages: g.packages.map((p) => ({ ...p })) };
}

function lockedError(vm: VmState): TaskFailure | undefined {
  const lock = vm.config["lock"];
  return lock === undefined ? undefined : new TaskFailure(`VM is locked (${lock})`);
}

/** qemu snapshots need every disk on a storage/format that can snapshot (not raw files, not thick LVM). */
function snapshotUnsupported(ctx: RequestContext, vm: VmState): boolean {
  for (const key of driveKeys(vm.config)) {
    if (key.startsWith("unused")) continue;
    const spec = parseDrive(String(vm.config[key]));
    if (isCdrom(spec) || !spec.file.includes(":")) continue;
    const storage = ctx.rt.state.storages.get(spec.file.split(":")[0]!);
    if (!storage || storage.type === "lvm") return true;
    if ((storage.type === "dir" || storage.type === "nfs") && !spec.file.endsWith(".qcow2")) return true;
  }
  return false;
}

function listSnapshots(ctx: RequestContext) {
  const vm = vmFromRequest(ctx);
  const rows: Record<string, unknown>[] = vm.snapshots.map((s) => ({
    name: s.name,
    snaptime: s.snaptime,
    description: s.description,
    vmstate: s.vmstate,
    ...(s.parent ? { parent: s.parent } : {}),
  }));
  rows.push({
    name: "current",
    digest: ctx.rt.state.digest(vm.config),
    running: vm.status === "running" ? 1 : 0,
    description: "You are here!",
    ...(vm.config["parent"] !== undefined ? { parent: vm.config["parent"] } : {}),
  });
  return rows;
}

function createSnapshot(ctx: RequestContext) {
  const vm = vmFromRequest(ctx);
  const { state } = ctx.rt;
  const name = str(ctx.params, "snapname")!;
  if (name === "current" || name === "pending") throw handlerError(`invalid snapshot name '${name}'`);
  const vmstate = num(ctx.params, "vmstate") === 1 && vm.status === "running" ? 1 : 0;
  return ctx.rt.tasks.spawn({
    node: vm.node,
    type: "qmsnapshot",
    id: String(vm.vmid),
    owner: ownerOf(ctx.principal),
    start: (t) => {
      if (isTemplate(vm)) throw new TaskFailure("you can't take a snapshot if it's a template");
      if (vm.snapshots.some((s) => s.name === name))
        throw new TaskFailure(`snapshot name '${name}' already used`);
      const locked = lockedError(vm);
      if (locked) throw locked;
      if (snapshotUnsupported(ctx, vm)) throw new TaskFailure("snapshot feature is not available");
      vm.config["lock"] = "snapshot";
      if (vmstate) t.log("saving VM state and RAM");
      if (vm.status === "running" && vm.config["agent"] !== undefined) t.log("guest-fsfreeze-freeze");
    },
    finish: (t) => {
      const { lock: _lock, parent, ...config } = vm.config;
      vm.snapshots.push({
        name,
        snaptime: Math.floor(state.nowMs() / 1000),
        description: str(ctx.params, "description") ?? "",
        vmstate,
        ...(parent !== undefined ? { parent: String(parent) } : {}),
        config: { ...config },
        guest: copyGuest(vm.guest),
      });
      vm.config["parent"] = name;
      delete vm.config["lock"];
      if (vm.status === "running" && vm.config["agent"] !== undefined) t.log("guest-fsfreeze-thaw");
    },
    abort: () => {
      delete vm.config["lock"];
    },
  });
}

function deleteSnapshot(ctx: RequestContext) {
  const vm = vmFromRequest(ctx);
  const name = str(ctx.params, "snapname")!;
  return ctx.rt.tasks.spawn({
    node: vm.node,
    type: "qmdelsnapshot",
    id: String(vm.vmid),
    owner: ownerOf(ctx.principal),
    start: () => {
      const locked = lockedError(vm);
      if (locked && num(ctx.params, "force") !== 1) throw locked;
      if (!vm.snapshots.some((s) => s.name === name))
        throw new TaskFailure(`snapshot '${name}' does not exist`);
      vm.config["lock"] = "snapshot-delete";
    },
    finish: () => {
      const snap = vm.snapshots.find((s) => s.name === name);
      if (!snap) throw new TaskFailure(`snapshot '${name}' does not exist`);
      vm.snapshots = vm.snapshots.filter((s) => s.name !== name);
      for (const s of vm.snapshots) if (s.parent === name) s.parent = snap.parent;
      if (vm.config["parent"] === name) {
        if (snap.parent) vm.config["parent"] = snap.parent;
        else delete vm.config["parent"];
      }
      delete vm.config["lock"];
    },
    abort: () => {
      delete vm.config["lock"];
    },
  });
}

/**
 * Rollback restores the snapshot's config and guest state (packages included, so an update that
 * went wrong really is undone). A running VM is stopped first; `start=1` or a RAM snapshot leaves it running.
 */
function rollback(ctx: RequestContext) {
  const vm = vmFromRequest(ctx);
  const { state } = ctx.rt;
  const name = str(ctx.params, "snapname")!;
  const start = num(ctx.params, "start") === 1;
  if (start && !hasPrivilege(ctx.principal, `/vms/${vm.vmid}`, "VM.PowerMgmt")) {
    throw permissionError(`/vms/${vm.vmid}, VM.PowerMgmt`);
  }
  return ctx.rt.tasks.spawn({
    node: vm.node,
    type: "qmrollback",
    id: String(vm.vmid),
    owner: ownerOf(ctx.principal),
    start: (t) => {
      if (isTemplate(vm)) throw new TaskFailure("you can't rollback if vm is a template");
      if (!vm.snapshots.some((s) => s.name === name))
        throw new TaskFailure(`snapshot '${name}' does not exist`);
      const locked = lockedError(vm);
      if (locked) throw locked;
      vm.config["lock"] = "rollback";
      if (vm.status === "running") {
        t.log(`stopping VM ${vm.vmid}`);
        vm.status = "stopped";
        vm.startedAt = undefined;
        vm.execs.clear();
      }
    },
    finish: (t) => {
      const snap = vm.snapshots.find((s) => s.name === name);
      if (!snap) throw new TaskFailure(`snapshot '${name}' does not exist`);
      vm.config = { ...snap.config, parent: name };
      vm.guest = copyGuest(snap.guest);
      if (snap.vmstate === 1 || start) {
        vm.status = "running";
        vm.startedAt = state.nowMs();
        vm.agentReadyAt = state.nowMs() + ctx.rt.config.agentStartDelayMs;
        t.log(snap.vmstate === 1 ? "resuming VM from saved state" : `starting VM ${vm.vmid}`);
      }
    },
    abort: () => {
      delete vm.config["lock"];
    },
  });
}

export const snapshotRoutes: RouteDefinition[] = [
  { method: "GET", path: "/nodes/{node}/qemu/{vmid}/snapshot", handler: listSnapshots },
  { method: "POST", path: "/nodes/{node}/qemu/{vmid}/snapshot", handler: createSnapshot },
  { method: "DELETE", path: "/nodes/{node}/qemu/{vmid}/snapshot/{snapname}", handler: deleteSnapshot },
  { method: "POST", path: "/nodes/{node}/qemu/{vmid}/snapshot/{snapname}/rollback", handler: rollback },
];
