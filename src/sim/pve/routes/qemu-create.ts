import { hasPrivilege, hasVmPrivilege } from "../auth/acl.js";
import { handlerError, permissionError, TaskFailure } from "../errors.js";
import { referencedVolids } from "../state/disks.js";
import { guestForImage } from "../state/guest-defaults.js";
import type { VmConfig, VmState } from "../state/types.js";
import {
  assertBridgeAccess,
  assertOptionPrivileges,
  assertUnlocked,
  generatedDefaults,
  hashCloudinitPassword,
  isTemplate,
  rejectSkiplock,
  vmFromRequest,
  withMacs,
} from "./qemu-common.js";
import { configOptions } from "./qemu-config.js";
import { applyDrivePlans, planDrives } from "./qemu-disks.js";
import { assertSshKeys } from "./ssh-keys.js";
import { num, ownerOf, type RequestContext, type RouteDefinition, str } from "./types.js";
import { vmStatusFields } from "./vm-view.js";

function listVms(ctx: RequestContext) {
  const node = str(ctx.params, "node")!;
  const { state } = ctx.rt;
  state.node(node);
  return [...state.vms.values()]
    .filter((vm) => vm.node === node)
    .filter((vm) => hasPrivilege(ctx.principal, `/vms/${vm.vmid}`, "VM.Audit"))
    .map((vm) => vmStatusFields(state, vm));
}

/** Options whose privileges qemu-server's create checks elsewhere (drives: storage access) or later (tags). */
const CHECKED_ELSEWHERE = /^((ide|sata|scsi|virtio|efidisk|tpmstate|unused)\d+|cdrom|tags)$/;

/**
 * POST /nodes/{node}/qemu, in qemu-server's order: sshkeys, the pool, `start`, then VM.Allocate on
 * `/vms/<vmid>` or (only when `pool` is passed) on `/pool/<pool>`, option and bridge privileges, drive
 * syntax, and only then whether the VMID is taken, so a caller without rights learns nothing about it.
 * The VM then exists with `lock: create` while the qmcreate task allocates or imports its disks.
 */
function createVm(ctx: RequestContext) {
  const node = str(ctx.params, "node")!;
  const vmid = num(ctx.params, "vmid")!;
  const { state } = ctx.rt;
  state.node(node);
  if (ctx.params["archive"] !== undefined)
    throw handlerError("restore from backup archives is not simulated");
  if (ctx.params["sshkeys"] !== undefined) assertSshKeys(String(ctx.params["sshkeys"]));
  const pool = str(ctx.params, "pool");
  if (pool !== undefined && !state.pools.has(pool)) throw permissionError(`pool '${pool}' does not exist`);
  if (num(ctx.params, "start") === 1 && !hasVmPrivilege(ctx.principal, vmid, pool, ["VM.PowerMgmt"])) {
    throw permissionError(`/vms/${vmid}, VM.PowerMgmt`);
  }
  const allocOk =
    hasPrivilege(ctx.principal, `/vms/${vmid}`, "VM.Allocate") ||
    (pool !== undefined && hasPrivilege(ctx.principal, `/pool/${pool}`, "VM.Allocate"));
  if (!allocOk) throw permissionError();
  const options = hashCloudinitPassword(withMacs(configOptions(ctx.params) as VmConfig, false));
  const plans = planDrives(ctx, node, options);
  const checked = Object.fromEntries(Object.entries(options).filter(([k]) => !CHECKED_ELSEWHERE.test(k)));
  assertOptionPrivileges(ctx, vmid, checked, [], pool);
  assertBridgeAccess(ctx, options);
  const existing = state.vms.get(vmid);
  if (existing)
    throw handlerError(`unable to create VM ${vmid} - VM ${vmid} already exists on node '${existing.node}'`);
  const name = String(options["name"] ?? `VM${vmid}`);
  let created: string[] = [];
  const vm: VmState = {
    vmid,
    node,
    status: "stopped",
    config: { ...options, ...generatedDefaults(options, state.nowMs()), lock: "create" },
    snapshots: [],
    // qemu-server adds the VM to the pool only when the create task has written its config.
    pool: undefined,
    haManaged: false,
    guest: guestForImage(plans.find((p) => p.kind === "import")?.source.volid, name),
    agentReadyAt: 0,
    execs: new Map(),
    nextExecPid: 1000,
  };
  return ctx.rt.tasks.spawn({
    node,
    type: "qmcreate",
    id: String(vmid),
    owner: ownerOf(ctx.principal),
    start: () => {
      if (state.vms.has(vmid)) throw new TaskFailure(`VM ${vmid} already exists`);
      state.vms.set(vmid, vm);
    },
    finish: (t) => {
      const result = applyDrivePlans(state, plans, node, vmid, t.log);
      created = result.created;
      Object.assign(vm.config, result.values);
      if (options["tags"] !== undefined) assertTagRights(ctx, vmid, String(options["tags"]));
      if (pool !== undefined) vm.pool = pool;
      delete vm.config["lock"];
      if (num(ctx.params, "start") === 1) {
        vm.status = "running";
        vm.startedAt = state.nowMs();
        vm.agentReadyAt = state.nowMs() + ctx.rt.config.agentStartDelayMs;
      }
    },
    abort: () => {
      for (const volid of created) state.removeVolume(volid, node);
      state.vms.delete(vmid);
    },
  });
}

/**
 * qemu-server ≥ 9.2 (what an updated PVE 9.1 runs) checks tag rights inside the create task, on
 * `/vms/<vmid>` alone: the VM has not joined its pool yet, so pool-only ACLs fail here, after the import.
 * With the default `user-tag-access` (free), VM.Config.Options is all a new tag needs.
 */
function assertTagRights(ctx: RequestContext, vmid: number, tags: string): void {
  if (ctx.rt.version !== "9.1" || tags.length === 0) return;
  if (!hasPrivilege(ctx.principal, `/vms/${vmid}`, "VM.Config.Options")) {
    throw new TaskFailure(
      `unable to create VM ${vmid} - Permission check failed (/vms/${vmid}, VM.Config.Options)`,
    );
  }
}

/** Volumes that belong to this VM; PVE refuses to free a base volume that linked clones still use. */
function ownedVolumes(ctx: RequestContext, vm: VmState, includeUnreferenced: boolean): string[] {
  const referenced = referencedVolids(vm.config).filter(
    (v) => ctx.rt.state.findVolume(v, vm.node)?.vmid === vm.vmid,
  );
  const snapshotRefs = vm.snapshots.flatMap((s) => referencedVolids(s.config));
  const unreferenced = includeUnreferenced
    ? ctx.rt.state.volumes
        .filter((v) => v.vmid === vm.vmid && (v.node === undefined || v.node === vm.node))
        .map((v) => v.volid)
    : [];
  return [...new Set([...referenced, ...snapshotRefs, ...unreferenced])];
}

function destroyVm(ctx: RequestContext) {
  const vm = vmFromRequest(ctx);
  const { state } = ctx.rt;
  rejectSkiplock(ctx);
  assertUnlocked(vm);
  if (Number(vm.config["protection"] ?? 0) === 1) {
    throw handlerError(`can't remove VM ${vm.vmid} - protection mode enabled`);
  }
  if (vm.status === "running") throw handlerError(`VM ${vm.vmid} is running - destroy failed`);
  const purge = num(ctx.params, "purge") === 1;
  if (vm.haManaged && !purge) {
    throw handlerError(`unable to remove VM ${vm.vmid} - used in HA resources and purge parameter not set.`);
  }
  const volids = ownedVolumes(ctx, vm, num(ctx.params, "destroy-unreferenced-disks") === 1);
  return ctx.rt.tasks.spawn({
    node: vm.node,
    type: "qmdestroy",
    id: String(vm.vmid),
    owner: ownerOf(ctx.principal),
    start: () => {
      if (isTemplate(vm)) {
        for (const volid of volids) {
          const user = state.volumes.find((v) => v.parent === volid);
          if (user) throw new TaskFailure(`base volume '${volid}' is still in use by linked clones`);
        }
      }
      vm.config["lock"] = "destroyed";
    },
    finish: (t) => {
      for (const volid of volids) {
        state.removeVolume(volid, vm.node);
        t.log(`  Logical volume "${volid.split(":")[1]}" successfully removed.`);
      }
      state.vms.delete(vm.vmid);
      if (purge) t.log(`purging VM ${vm.vmid} from related configurations..`);
    },
    abort: () => {
      delete vm.config["lock"];
    },
  });
}

export const qemuCreateRoutes: RouteDefinition[] = [
  { method: "GET", path: "/nodes/{node}/qemu", handler: listVms },
  { method: "POST", path: "/nodes/{node}/qemu", handler: createVm },
  { method: "DELETE", path: "/nodes/{node}/qemu/{vmid}", handler: destroyVm },
  {
    method: "GET",
    path: "/nodes/{node}/qemu/{vmid}",
    handler: (ctx) => {
      vmFromRequest(ctx);
      const subdirs = ["config", "pending", "status", "unlink", "vncproxy", "termproxy", "migrate", "resize"];
      return [
        ...subdirs,
        "move",
        "rrd",
        "rrddata",
        "monitor",
        "agent",
        "snapshot",
        "spiceproxy",
        "sendkey",
        "firewall",
      ].map((subdir) => ({ subdir }));
    },
  },
];
