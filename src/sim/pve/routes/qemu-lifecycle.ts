import { hasPrivilege } from "../auth/acl.js";
import { handlerError, paramErrorFor, permissionError, TaskFailure } from "../errors.js";
import {
  type DriveSpec,
  diskFormat,
  driveKeys,
  formatSize,
  isCdrom,
  parseDrive,
  parseSize,
  printDrive,
  storageSupportsLinkedClone,
} from "../state/disks.js";
import type { VmConfig, VmState } from "../state/types.js";
import {
  assertBridgeAccess,
  assertStoragePrivilege,
  assertUnlocked,
  generatedDefaults,
  isTemplate,
  rejectSkiplock,
  vmFromRequest,
  withMacs,
} from "./qemu-common.js";
import { num, ownerOf, type RequestContext, type RouteDefinition, str } from "./types.js";

function cloneGuest(vm: VmState): VmState["guest"] {
  return { ...vm.guest, packages: vm.guest.packages.map((p) => ({ ...p })) };
}

/**
 * POST clone. The new VM exists with `lock: clone` for the whole qmclone task (qemu-server
 * `clone_vm`); linked clones of templates reference the base volume, full clones copy it.
 */
function cloneVm(ctx: RequestContext) {
  const source = vmFromRequest(ctx);
  const { state } = ctx.rt;
  const newid = num(ctx.params, "newid")!;
  const pool = str(ctx.params, "pool");
  const targetNode = str(ctx.params, "target") ?? source.node;
  if (pool !== undefined && !state.pools.has(pool)) throw permissionError(`pool '${pool}' does not exist`);
  state.node(targetNode);
  const targetStorage = str(ctx.params, "storage");
  if (targetStorage !== undefined) {
    const s = state.storage(targetStorage, source.node);
    if (!s.content.includes("images")) {
      throw paramErrorFor("storage", `storage '${targetStorage}' does not support vm images`);
    }
    if (targetNode !== source.node && !s.shared)
      throw handlerError(`can't clone to non-shared storage '${targetStorage}'`);
  }
  assertUnlocked(source);
  const snapname = str(ctx.params, "snapname");
  const baseConfig = snapname ? source.snapshots.find((s) => s.name === snapname)?.config : source.config;
  if (!baseConfig) throw handlerError(`snapshot '${snapname}' does not exist`);
  const full = num(ctx.params, "full") ?? (isTemplate(source) ? 0 : 1);
  if (targetStorage !== undefined && !full)
    throw handlerError("parameter 'storage' not allowed for linked clones");
  if (ctx.params["format"] !== undefined && !full)
    throw handlerError("parameter 'format' not allowed for linked clones");
  const disks = driveKeys(baseConfig).filter((k) => !k.startsWith("unused"));
  let shared = true;
  for (const key of disks) {
    const spec = parseDrive(String(baseConfig[key]));
    if (isCdrom(spec) && !spec.file.includes("cloudinit")) continue;
    const s = state.storage(spec.file.split(":")[0]!);
    shared &&= s.shared;
    const linked = !full && !spec.file.includes("cloudinit");
    const msg = `clone feature is not supported for${snapname ? " a snapshot of" : ""} '${spec.file}' (${key})`;
    if (linked && (!isTemplate(source) || !storageSupportsLinkedClone(s)))
      throw handlerError(`Linked ${msg}`);
    assertStoragePrivilege(ctx.principal, targetStorage ?? s.storage, ["Datastore.AllocateSpace"]);
  }
  assertBridgeAccess(ctx, baseConfig);
  if (targetNode !== source.node && !shared) {
    throw handlerError(`can't clone VM to node '${targetNode}' (VM uses local storage)`);
  }
  if (state.vms.has(newid)) throw handlerError(`unable to create VM ${newid}: config file already exists`);
  const config: VmConfig = withMacs({ ...baseConfig }, true);
  for (const k of Object.keys(config)) {
    if (/^unused\d+$/.test(k) || ["template", "lock", "parent", "snapstate", "vmstate", "meta"].includes(k)) {
      delete config[k];
    }
  }
  const hadGenId = config["vmgenid"] !== undefined;
  delete config["vmgenid"];
  const smbios = String(config["smbios1"] ?? "")
    .replace(/(^|,)uuid=[^,]*/, "")
    .replace(/^,/, "");
  delete config["smbios1"];
  const fresh = generatedDefaults(config, state.nowMs());
  config["smbios1"] = smbios ? `${fresh["smbios1"]},${smbios}` : fresh["smbios1"]!;
  if (hadGenId) config["vmgenid"] = fresh["vmgenid"]!;
  config["name"] = str(ctx.params, "name") ?? `Copy-of-VM-${baseConfig["name"] ?? source.vmid}`;
  const description = str(ctx.params, "description");
  if (description !== undefined) config["description"] = description;
  const created: string[] = [];
  const clone: VmState = {
    vmid: newid,
    node: targetNode,
    status: "stopped",
    config: { ...config, lock: "clone" },
    snapshots: [],
    // Like a create, the clone joins its pool when the task has written its config.
    pool: undefined,
    haManaged: false,
    guest: { ...cloneGuest(source), hostname: String(config["name"]), indexFresh: false },
    agentReadyAt: 0,
    execs: new Map(),
    nextExecPid: 1000,
  };
  return ctx.rt.tasks.spawn({
    node: source.node,
    type: "qmclone",
    id: String(source.vmid),
    owner: ownerOf(ctx.principal),
    start: (t) => {
      state.vms.set(newid, clone);
      t.log(`creating a clone of VM ${source.vmid} with ID ${newid}`);
    },
    finish: (t) => {
      let index = 0;
      for (const key of disks) {
        const spec = parseDrive(String(baseConfig[key]));
        const cloudinit = spec.file.includes("cloudinit");
        if (isCdrom(spec) && !cloudinit) continue;
        const [storeId, volname = ""] = spec.file.split(":") as [string, string?];
        const storage = state.storage(full && targetStorage ? targetStorage : storeId);
        const qcow = storage.type === "dir" || storage.type === "nfs";
        const base = cloudinit ? `vm-${newid}-cloudinit` : `vm-${newid}-disk-${index++}`;
        const name = qcow ? `${newid}/${base}.qcow2` : base;
        const volid = full || cloudinit ? `${storage.storage}:${name}` : `${storeId}:${volname}/${name}`;
        const size =
          parseSize(spec.options.get("size") ?? "") ?? state.findVolume(spec.file, source.node)?.size ?? 0;
        state.addVolume({
          volid,
          storage: storage.storage,
          node: storage.shared ? undefined : targetNode,
          content: "images",
          format: diskFormat(storage),
          size,
          ctime: Math.floor(state.nowMs() / 1000),
          vmid: newid,
          ...(full || cloudinit ? {} : { parent: spec.file }),
        });
        created.push(volid);
        clone.config[key] = printDrive({ file: volid, options: spec.options });
        t.log(
          `${key}: ${full ? "full" : "linked"} clone of '${spec.file}' to '${volid}' (${formatSize(size)})`,
        );
      }
      delete clone.config["lock"];
      if (pool !== undefined) clone.pool = pool;
    },
    abort: (t, reason) => {
      for (const volid of created) state.removeVolume(volid, targetNode);
      state.vms.delete(newid);
      t.log(`clone failed: ${reason}`);
    },
  });
}

function convertToTemplate(ctx: RequestContext) {
  const vm = vmFromRequest(ctx);
  const { state } = ctx.rt;
  const only = str(ctx.params, "disk");
  assertUnlocked(vm);
  if (vm.snapshots.length > 0) throw handlerError("unable to create template, because VM contains snapshots");
  if (isTemplate(vm) && only === undefined) throw handlerError("you can't convert a template to a template");
  if (vm.status === "running") throw handlerError("you can't convert a VM to template if VM is running");
  if (only !== undefined && vm.config[only] === undefined) throw handlerError(`no such disk '${only}'`);
  return ctx.rt.tasks.spawn({
    node: vm.node,
    type: "qmtemplate",
    id: String(vm.vmid),
    owner: ownerOf(ctx.principal),
    finish: (t) => {
      for (const key of driveKeys(vm.config)) {
        if (only !== undefined && key !== only) continue;
        const spec = parseDrive(String(vm.config[key]));
        if (isCdrom(spec) || !spec.file.includes(`vm-${vm.vmid}-disk-`)) continue;
        const volid = spec.file.replace(`vm-${vm.vmid}-disk-`, `base-${vm.vmid}-disk-`);
        const volume = state.findVolume(spec.file, vm.node);
        if (volume) volume.volid = volid;
        vm.config[key] = printDrive({ file: volid, options: spec.options });
        t.log(`  Renamed "${spec.file.split(":")[1]}" to "${volid.split(":")[1]}"`);
      }
      vm.config["template"] = 1;
    },
  });
}

/**
 * PUT …/resize. Since qemu-server forks the worker before it locks and loads the config, every check
 * (lock, digest, disk, cdrom, storage privilege, shrinking) fails the task, not the request: the caller
 * gets a UPID, then `TASK ERROR: shrinking disks is not supported`. The current size is the volume's
 * own (virtual) size; an equal size ends the task without change.
 */
function resizeDisk(ctx: RequestContext) {
  const vm = vmFromRequest(ctx);
  const { state } = ctx.rt;
  rejectSkiplock(ctx);
  const disk = str(ctx.params, "disk")!;
  const sizeText = str(ctx.params, "size")!;
  const digest = str(ctx.params, "digest");
  let change: { spec: DriveSpec; current: number; wanted: number } | undefined;
  return ctx.rt.tasks.spawn({
    node: vm.node,
    type: "resize",
    id: String(vm.vmid),
    owner: ownerOf(ctx.principal),
    start: () => {
      if (digest !== undefined && digest !== state.digest(vm.config)) {
        throw new TaskFailure("checksum mismatch (file change by other user?)");
      }
      assertUnlocked(vm);
      const value = vm.config[disk];
      if (value === undefined) throw new TaskFailure(`disk '${disk}' does not exist`);
      const spec = parseDrive(String(value));
      if (isCdrom(spec)) throw new TaskFailure("you can't resize a cdrom");
      const storage = spec.file.split(":")[0]!;
      if (!hasPrivilege(ctx.principal, `/storage/${storage}`, "Datastore.AllocateSpace")) {
        throw new TaskFailure(`Permission check failed (/storage/${storage}, Datastore.AllocateSpace)`);
      }
      const current =
        state.findVolume(spec.file, vm.node)?.size ?? parseSize(spec.options.get("size") ?? "") ?? 0;
      const delta = parseSize(sizeText.replace(/^\+/, "")) ?? 0;
      const wanted = sizeText.startsWith("+") ? current + delta : delta;
      if (wanted < current) throw new TaskFailure("shrinking disks is not supported");
      if (wanted !== current) change = { spec, current, wanted };
    },
    finish: (t) => {
      if (!change) return;
      const { spec, current, wanted } = change;
      spec.options.set("size", formatSize(wanted));
      vm.config[disk] = printDrive(spec);
      const volume = state.findVolume(spec.file, vm.node);
      if (volume) volume.size = wanted;
      t.log(
        `  Size of logical volume ${spec.file} changed from ${formatSize(current)} to ${formatSize(wanted)}.`,
      );
    },
  });
}

export const qemuLifecycleRoutes: RouteDefinition[] = [
  { method: "POST", path: "/nodes/{node}/qemu/{vmid}/clone", handler: cloneVm },
  { method: "POST", path: "/nodes/{node}/qemu/{vmid}/template", handler: convertToTemplate },
  { method: "PUT", path: "/nodes/{node}/qemu/{vmid}/resize", handler: resizeDisk },
];
