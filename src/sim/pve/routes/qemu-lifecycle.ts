import { handlerError, paramErrorFor } from "../errors.js";
import {
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
  state.node(targetNode);
  if (state.vms.has(newid)) throw handlerError(`unable to create VM ${newid}: config file already exists`);
  if (pool !== undefined && !state.pools.has(pool)) throw handlerError(`pool '${pool}' does not exist`);
  assertUnlocked(source);
  const template = isTemplate(source);
  const full = num(ctx.params, "full") ?? (template ? 0 : 1);
  if (!template && full === 0) throw handlerError("Linked clone feature is only available for templates");
  const targetStorage = str(ctx.params, "storage");
  if (targetStorage !== undefined && full === 0) {
    throw paramErrorFor("storage", "option is only allowed for full clones");
  }
  if (targetStorage !== undefined) {
    const s = state.storage(targetStorage, targetNode);
    if (!s.content.includes("images"))
      throw handlerError(`storage '${targetStorage}' does not support vm images`);
  }
  const snapname = str(ctx.params, "snapname");
  const baseConfig = snapname ? source.snapshots.find((s) => s.name === snapname)?.config : source.config;
  if (!baseConfig) throw handlerError(`snapshot '${snapname}' does not exist`);
  const disks = driveKeys(baseConfig).filter((k) => !k.startsWith("unused"));
  for (const key of disks) {
    const spec = parseDrive(String(baseConfig[key]));
    if (isCdrom(spec) && !spec.file.includes("cloudinit")) continue;
    const s = state.storage(spec.file.split(":")[0]!);
    if (targetNode !== source.node && !s.shared && targetStorage === undefined) {
      throw handlerError(`can't clone VM to node '${targetNode}' (VM uses local storage)`);
    }
    if (full === 0 && !storageSupportsLinkedClone(s)) {
      throw handlerError(`linked clone feature is not supported for drive '${key}'`);
    }
  }
  const config: VmConfig = withMacs({ ...baseConfig }, true);
  for (const k of ["template", "lock", "parent", "snapstate", "vmstate", "smbios1", "vmgenid", "meta"])
    delete config[k];
  Object.assign(config, generatedDefaults(config, state.nowMs()));
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
    pool,
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
      t.log(`create ${full ? "full" : "linked"} clone of drive(s) ${disks.join(", ")}`);
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
    },
    abort: () => {
      for (const volid of created) state.removeVolume(volid, targetNode);
      state.vms.delete(newid);
    },
  });
}

function convertToTemplate(ctx: RequestContext) {
  const vm = vmFromRequest(ctx);
  const { state } = ctx.rt;
  assertUnlocked(vm);
  if (isTemplate(vm)) throw handlerError("you can't convert a template to a template");
  if (vm.status === "running") throw handlerError("you can't convert a VM to template if VM is running");
  if (vm.snapshots.length > 0) throw handlerError("unable to create template, because VM contains snapshots");
  const only = str(ctx.params, "disk");
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

function resizeDisk(ctx: RequestContext) {
  const vm = vmFromRequest(ctx);
  const { state } = ctx.rt;
  rejectSkiplock(ctx);
  assertUnlocked(vm);
  const disk = str(ctx.params, "disk")!;
  const value = vm.config[disk];
  if (value === undefined) throw handlerError(`disk '${disk}' does not exist`);
  const spec = parseDrive(String(value));
  if (isCdrom(spec)) throw handlerError("you can't resize a cdrom");
  const digest = str(ctx.params, "digest");
  if (digest !== undefined && digest !== state.digest(vm.config)) {
    throw handlerError("detected modified configuration - file changed by other user? Try again.");
  }
  const current = parseSize(spec.options.get("size") ?? "") ?? 0;
  const sizeText = str(ctx.params, "size")!;
  const delta = parseSize(sizeText.replace(/^\+/, "")) ?? 0;
  const wanted = sizeText.startsWith("+") ? current + delta : delta;
  if (wanted < current) throw handlerError(`shrinking disks is not supported`);
  return ctx.rt.tasks.spawn({
    node: vm.node,
    type: "resize",
    id: String(vm.vmid),
    owner: ownerOf(ctx.principal),
    finish: (t) => {
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
