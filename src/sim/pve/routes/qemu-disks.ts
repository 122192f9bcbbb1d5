import { handlerError, paramErrorFor, permissionError } from "../errors.js";
import type { ParamValue } from "../schema/validate.js";
import {
  DRIVE_KEY,
  type DriveSpec,
  formatSize,
  isCdrom,
  newDiskName,
  parseDrive,
  vmDiskVolume,
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

const ALLOC = /^([a-z][a-z0-9\-_.]*[a-z0-9]):(\d+(?:\.\d+)?|cloudinit)$/i;

function targetStorage(ctx: RequestContext, storage: string, node: string): void {
  assertStoragePrivilege(ctx.principal, storage, ["Datastore.AllocateSpace"]);
  const s = ctx.rt.state.storage(storage, node);
  if (!s.content.includes("images"))
    throw paramErrorFor("storage", `storage '${storage}' does not support vm images`);
}

/** qemu-server `$check_drive_param`: syntax rules checked for every drive before any access check. */
function checkDriveSyntax(ctx: RequestContext, node: string, key: string, spec: DriveSpec): void {
  const importFrom = spec.options.get("import-from");
  const alloc = ALLOC.exec(spec.file);
  if (
    importFrom !== undefined &&
    (alloc?.[2] === undefined || alloc[2] === "cloudinit" || Number(alloc[2]) !== 0)
  ) {
    throw paramErrorFor(
      key,
      "'import-from' requires special syntax - use <storage ID>:0,import-from=<source>",
    );
  }
  if (!alloc && spec.file.includes(":") && !isCdrom(spec)) {
    if (ctx.rt.state.findVolume(spec.file, node)?.content === "iso") {
      throw paramErrorFor(key, "explicit 'media=cdrom' is required for iso images");
    }
  }
}

/** Source of an `import-from`: an existing `images` or `import` volume the caller may read. */
function importSource(ctx: RequestContext, node: string, key: string, importFrom: string): VolumeState {
  if (importFrom.startsWith("/")) throw permissionError("Only root can pass arbitrary filesystem paths.");
  const source = ctx.rt.state.findVolume(importFrom, node);
  if (!source) throw handlerError(`volume '${importFrom}' does not exist`);
  if (source.content !== "images" && source.content !== "import") {
    throw paramErrorFor(
      key,
      `${importFrom} has wrong type '${source.content}' - needs to be 'images' or 'import'`,
    );
  }
  assertStoragePrivilege(ctx.principal, source.storage, ["Datastore.AllocateSpace", "Datastore.Audit"]);
  return source;
}

/**
 * Validates drive options the way qemu-server's `$check_drive_param` and `$check_storage_access` do,
 * before any task starts: syntax first for all drives, then storage privileges, content types and
 * import sources. Returns what each drive will do once the task runs.
 */
export function planDrives(
  ctx: RequestContext,
  node: string,
  options: Record<string, ParamValue>,
): DrivePlan[] {
  const drives = Object.entries(options)
    .filter(([key]) => DRIVE_KEY.test(key))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, raw]) => ({ key, value: String(raw), spec: parseDrive(String(raw)) }));
  for (const d of drives) checkDriveSyntax(ctx, node, d.key, d.spec);
  const plans: DrivePlan[] = [];
  for (const { key, value, spec } of drives) {
    const alloc = ALLOC.exec(spec.file);
    const importFrom = spec.options.get("import-from");
    if (alloc && importFrom !== undefined) {
      targetStorage(ctx, alloc[1]!, node);
      const source = importSource(ctx, node, key, importFrom);
      const rest = new Map(spec.options);
      rest.delete("import-from");
      plans.push({ key, kind: "import", storage: alloc[1]!, source, options: rest });
    } else if (alloc?.[2] === "cloudinit") {
      ctx.rt.state.storage(alloc[1]!, node);
      const opts = new Map(spec.options);
      opts.set("media", "cdrom");
      plans.push({ key, kind: "cloudinit", storage: alloc[1]!, size: 4 * 1024 ** 2, options: opts });
    } else if (alloc && !isCdrom(spec)) {
      targetStorage(ctx, alloc[1]!, node);
      const size = Math.round(Number(alloc[2]) * GIB);
      if (size <= 0)
        throw paramErrorFor(
          key,
          "unable to allocate a disk of size 0 - use <storage ID>:0,import-from=<source> to import",
        );
      plans.push({ key, kind: "new", storage: alloc[1]!, size, options: spec.options });
    } else if (spec.file === "none" || spec.file === "cdrom" || spec.file === "") {
      plans.push({ key, kind: "keep", value });
    } else {
      if (spec.file.startsWith("/")) throw permissionError("Only root can pass arbitrary filesystem paths.");
      const volume = ctx.rt.state.findVolume(spec.file, node);
      if (!volume) throw handlerError(`volume '${spec.file}' does not exist`);
      if (volume.content !== "images" && volume.content !== "iso") {
        throw paramErrorFor(key, "content type needs to be 'images' or 'iso'");
      }
      plans.push({ key, kind: "keep", value });
    }
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
    const size = plan.kind === "import" ? (plan.source.virtualSize ?? plan.source.size) : plan.size;
    state.addVolume(vmDiskVolume(storage, node, vmid, volid, size, Math.floor(state.nowMs() / 1000)));
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
