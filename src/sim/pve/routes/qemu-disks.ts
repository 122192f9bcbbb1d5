import { handlerError, paramErrorFor, permissionError } from "../errors.js";
import type { ParamValue } from "../schema/validate.js";
import {
  DRIVE_KEY,
  type DriveSpec,
  diskFormat,
  formatSize,
  isCdrom,
  newDiskName,
  parseDrive,
} from "../state/disks.js";
import type { SimState } from "../state/state.js";
import type { VolumeState } from "../state/types.js";
import { assertStoragePrivilege } from "./qemu-common.js";
import type { RequestContext } from "./types.js";

const GIB = 1024 ** 3;

/** What one drive option will do once the task runs: allocate, import, or reference. */
export type DrivePlan =
  | { key: string; kind: "keep"; value: string }
  | { key: string; kind: "new" | "cloudinit"; storage: string; size: number; options: Map<string, string> }
  | { key: string; kind: "import"; storage: string; source: VolumeState; options: Map<string, string> };

function sortedOptions(options: Map<string, string>): string {
  return [...options]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `,${k}=${v}`)
    .join("");
}

function targetStorage(ctx: RequestContext, storage: string, node: string): void {
  const s = ctx.rt.state.storage(storage, node);
  if (!s.content.includes("images")) throw handlerError(`storage '${storage}' does not support vm images`);
  assertStoragePrivilege(ctx.principal, storage, ["Datastore.AllocateSpace"]);
}

/**
 * Validates drive options the way qemu-server's `$check_drive_param` / `$check_storage_access` do,
 * before any task starts: `import-from` syntax and source type, storage content and privileges.
 */
export function planDrives(
  ctx: RequestContext,
  node: string,
  options: Record<string, ParamValue>,
): DrivePlan[] {
  const plans: DrivePlan[] = [];
  for (const [key, raw] of Object.entries(options)) {
    if (!DRIVE_KEY.test(key)) continue;
    const value = String(raw);
    const spec: DriveSpec = parseDrive(value);
    const importFrom = spec.options.get("import-from");
    const alloc = /^([a-z][a-z0-9\-_.]*[a-z0-9]):(\d+(?:\.\d+)?|cloudinit)$/i.exec(spec.file);
    if (importFrom !== undefined) {
      if (alloc?.[2] !== "0") {
        throw paramErrorFor(
          key,
          "'import-from' requires special syntax - use <storage ID>:0,import-from=<source>",
        );
      }
      if (importFrom.startsWith("/")) {
        throw permissionError("Only root can pass arbitrary filesystem paths.");
      }
      const source = ctx.rt.state.findVolume(importFrom, node);
      if (!source) throw handlerError(`volume '${importFrom}' does not exist`);
      if (source.content !== "images" && source.content !== "import") {
        throw paramErrorFor(
          key,
          `'import-from' volume '${importFrom}' has wrong type '${source.content}' - needs to be 'images' or 'import'`,
        );
      }
      assertStoragePrivilege(ctx.principal, source.storage, ["Datastore.AllocateSpace", "Datastore.Audit"]);
      targetStorage(ctx, alloc[1]!, node);
      const rest = new Map(spec.options);
      rest.delete("import-from");
      plans.push({ key, kind: "import", storage: alloc[1]!, source, options: rest });
      continue;
    }
    if (alloc) {
      targetStorage(ctx, alloc[1]!, node);
      if (alloc[2] === "cloudinit") {
        const options = new Map(spec.options);
        options.set("media", "cdrom");
        plans.push({ key, kind: "cloudinit", storage: alloc[1]!, size: 4 * 1024 ** 2, options });
        continue;
      }
      const size = Math.round(Number(alloc[2]) * GIB);
      if (size <= 0)
        throw paramErrorFor(
          key,
          "disk size must be greater than 0 (use <storage ID>:0,import-from=<source> to import)",
        );
      plans.push({ key, kind: "new", storage: alloc[1]!, size, options: spec.options });
      continue;
    }
    if (spec.file === "none" || spec.file === "cdrom") {
      plans.push({ key, kind: "keep", value });
      continue;
    }
    if (spec.file.startsWith("/")) throw permissionError("Only root can pass arbitrary filesystem paths.");
    const volume = ctx.rt.state.findVolume(spec.file, node);
    if (!volume) throw handlerError(`volume '${spec.file}' does not exist`);
    if (volume.content === "iso" && !isCdrom(spec)) {
      throw paramErrorFor(key, `volume '${spec.file}' has wrong type 'iso' - use media=cdrom`);
    }
    plans.push({ key, kind: "keep", value });
  }
  return plans;
}

function nextIndex(state: SimState, storage: string, node: string, vmid: number): number {
  const used = state
    .volumesOn(storage, node)
    .map((v) => new RegExp(`(?:vm|base)-${vmid}-disk-(\\d+)`).exec(v.volid)?.[1])
    .filter((x): x is string => x !== undefined)
    .map(Number);
  return used.length === 0 ? 0 : Math.max(...used) + 1;
}

/** Creates the planned volumes; returns the config values and the volids to remove on failure. */
export function applyDrivePlans(
  state: SimState,
  plans: DrivePlan[],
  node: string,
  vmid: number,
  log: (line: string) => void,
): { values: Record<string, string>; created: string[] } {
  const values: Record<string, string> = {};
  const created: string[] = [];
  for (const plan of plans) {
    if (plan.kind === "keep") {
      values[plan.key] = plan.value;
      continue;
    }
    const storage = state.storage(plan.storage, node);
    const kind = plan.kind === "cloudinit" ? "cloudinit" : "disk";
    const volid = `${storage.storage}:${newDiskName(storage, vmid, nextIndex(state, storage.storage, node, vmid), kind)}`;
    const size = plan.kind === "import" ? plan.source.size : plan.size;
    state.addVolume({
      volid,
      storage: storage.storage,
      node: storage.shared ? undefined : node,
      content: "images",
      format: diskFormat(storage),
      size,
      ctime: Math.floor(state.nowMs() / 1000),
      vmid,
    });
    created.push(volid);
    if (plan.kind === "import") {
      log(`importing disk '${plan.source.volid}' to VM ${vmid} ...`);
      log(`transferred ${formatSize(size)} of ${formatSize(size)} (100.00%)`);
    }
    const options = new Map(plan.options);
    if (plan.kind !== "cloudinit") options.set("size", formatSize(size));
    values[plan.key] = `${volid}${sortedOptions(options)}`;
    log(`${plan.key}: successfully created disk '${values[plan.key]}'`);
  }
  return { values, created };
}
