import { handlerError, paramErrorFor } from "../errors.js";
import { splitList } from "../schema/formats.js";
import type { ParamValue } from "../schema/validate.js";
import { DRIVE_KEY, parseDrive } from "../state/disks.js";
import type { VmConfig, VmState } from "../state/types.js";
import {
  assertBridgeAccess,
  assertOptionPrivileges,
  assertUnlocked,
  hashCloudinitPassword,
  MASKED_PASSWORD,
  NON_CONFIG_PARAMS,
  rejectSkiplock,
  vmFromRequest,
  withMacs,
} from "./qemu-common.js";
import { applyDrivePlans, planDrives } from "./qemu-disks.js";
import { assertSshKeys } from "./ssh-keys.js";
import { ownerOf, type RequestContext, type RouteDefinition, str } from "./types.js";

export function configOptions(params: Record<string, ParamValue>): Record<string, ParamValue> {
  return Object.fromEntries(Object.entries(params).filter(([k]) => !NON_CONFIG_PARAMS.has(k)));
}

function masked(config: VmConfig): VmConfig {
  return config["cipassword"] === undefined ? config : { ...config, cipassword: MASKED_PASSWORD };
}

function readConfig(ctx: RequestContext) {
  const vm = vmFromRequest(ctx);
  const snapname = str(ctx.params, "snapshot");
  if (snapname !== undefined) {
    const snap = vm.snapshots.find((s) => s.name === snapname);
    if (!snap) throw handlerError(`snapshot '${snapname}' does not exist`);
    return masked({ ...snap.config, digest: ctx.rt.state.digest(vm.config) });
  }
  return masked({ ...vm.config, digest: ctx.rt.state.digest(vm.config) });
}

/** Moves a detached disk to the first free `unused[n]` slot, as qemu-server does. */
function detach(config: VmConfig, key: string): void {
  const value = config[key];
  delete config[key];
  if (value === undefined || !DRIVE_KEY.test(key) || key.startsWith("unused")) return;
  const spec = parseDrive(String(value));
  if (spec.options.get("media") === "cdrom" && !spec.file.includes("cloudinit")) return;
  if (!spec.file.includes(":")) return;
  let i = 0;
  while (config[`unused${i}`] !== undefined) i++;
  config[`unused${i}`] = spec.file;
}

/**
 * Validates a config change completely before anything changes (lock, digest, privileges, drives,
 * SSH keys) and returns the function that applies it, so PUT can apply at once and POST in a task.
 */
function prepareUpdate(ctx: RequestContext, vm: VmState): (log: (l: string) => void) => void {
  rejectSkiplock(ctx);
  const options = hashCloudinitPassword(withMacs(configOptions(ctx.params) as VmConfig, false));
  const deleted = splitList(str(ctx.params, "delete") ?? "");
  const reverted = splitList(str(ctx.params, "revert") ?? "");
  for (const key of deleted) {
    if (options[key] !== undefined) {
      throw paramErrorFor("delete", `You can't change option '${key}' and delete it at the same time!`);
    }
  }
  if (Object.keys(options).length === 0 && deleted.length === 0 && reverted.length === 0) {
    throw paramErrorFor("_root", "no options specified");
  }
  assertUnlocked(vm);
  const digest = str(ctx.params, "digest");
  if (digest !== undefined && digest !== ctx.rt.state.digest(vm.config)) {
    throw handlerError("detected modified configuration - file changed by other user? Try again.");
  }
  if (deleted.includes("lock") || options["lock"] !== undefined) {
    throw paramErrorFor("lock", "Only root may use this option.");
  }
  assertOptionPrivileges(ctx, vm.vmid, options, deleted);
  assertBridgeAccess(ctx, options);
  if (options["sshkeys"] !== undefined) assertSshKeys(String(options["sshkeys"]));
  const plans = planDrives(ctx, vm.node, options);
  const state = ctx.rt.state;
  return (log) => {
    const { values } = applyDrivePlans(state, plans, vm.node, vm.vmid, log);
    for (const key of deleted) detach(vm.config, key);
    for (const [key, value] of Object.entries(options)) {
      if (vm.config[key] !== undefined && DRIVE_KEY.test(key) && values[key] !== undefined)
        detach(vm.config, key);
      vm.config[key] = values[key] ?? value;
    }
    if (options["name"] !== undefined) vm.guest.hostname = String(options["name"]);
  };
}

function updateSync(ctx: RequestContext) {
  const vm = vmFromRequest(ctx);
  prepareUpdate(ctx, vm)(() => undefined);
  return null;
}

function updateAsync(ctx: RequestContext) {
  const vm = vmFromRequest(ctx);
  const apply = prepareUpdate(ctx, vm);
  return ctx.rt.tasks.spawn({
    node: vm.node,
    type: "qmconfig",
    id: String(vm.vmid),
    owner: ownerOf(ctx.principal),
    finish: (t) => apply(t.log),
  });
}

export const qemuConfigRoutes: RouteDefinition[] = [
  { method: "GET", path: "/nodes/{node}/qemu/{vmid}/config", handler: readConfig },
  { method: "PUT", path: "/nodes/{node}/qemu/{vmid}/config", handler: updateSync },
  { method: "POST", path: "/nodes/{node}/qemu/{vmid}/config", handler: updateAsync },
];
