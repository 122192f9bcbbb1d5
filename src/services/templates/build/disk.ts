/**
 * The stages between the create task and the conversion: tags set with a config PUT once the VM is in
 * the pool, and the disk grown to the configured size when, and only when, that is larger than what the
 * import produced. PVE refuses to shrink a disk (`shrinking disks is not supported`, as a task error) and
 * an imported disk has the image's virtual size, which for cloud images ranges from ~2 GiB to 25 GiB.
 */
import { UserError } from "../../errors.js";
import type { BuildContext, LeaseBook, TemplateServices } from "./deps.js";
import { ensureLeases } from "./leases.js";
import { runTask } from "./run-task.js";
import { buildTags } from "./vm-request.js";

const GIB = 1024 ** 3;
const UNITS: Record<string, number> = { K: 1024, M: 1024 ** 2, G: GIB, T: 1024 ** 4 };

/** The `size=` of a drive line (`local-lvm:vm-9002-disk-0,discard=on,size=3584M`) in bytes; PVE's units. */
export function driveSizeBytes(drive: string | number | undefined): number | undefined {
  if (typeof drive !== "string") return undefined;
  const m = /(?:^|,)size=(\d+(?:\.\d+)?)([KMGT])?(?:,|$)/.exec(drive);
  if (!m) return undefined;
  return Math.round(Number(m[1]) * (m[2] ? UNITS[m[2]]! : 1));
}

/** "2.2 GiB", "20 GiB": sizes as the card shows them. */
export function formatGiB(bytes: number): string {
  const gib = bytes / GIB;
  return `${Number.isInteger(gib) ? gib : gib.toFixed(1)} GiB`;
}

/**
 * Stage 5: read the created VM's config once: set the tags when they are not there yet (a retry after a
 * lost answer finds them and sends nothing), and note the imported disk's size for the resize.
 */
export async function tagStage(deps: TemplateServices, leases: LeaseBook, ctx: BuildContext): Promise<void> {
  if (ctx.state.upToDate !== undefined || ctx.state.tagged === true) return;
  await ensureLeases(deps, leases, ctx);
  const { node } = ctx.data;
  const vmid = Number(ctx.state.createdVmid);
  const config = await deps.proxmox.vmConfig(node, vmid);
  if (!String(config.description ?? "").includes(`job: ${ctx.jobId}\n`)) {
    // An adopted create turned out to be someone else's: never tag, convert or destroy their VM.
    delete ctx.state.createdVmid;
    await ctx.save();
    throw new UserError(
      "E_PVE",
      `VM ${vmid} on ${node} is not this build's (its description lacks job ${ctx.jobId}); it was left as it is`,
    );
  }
  const imported = driveSizeBytes(config.scsi0);
  if (imported !== undefined) ctx.state.importedBytes = imported;
  const wanted = buildTags(ctx);
  const present = new Set(
    String(config.tags ?? "")
      .split(/[;, ]+/)
      .filter(Boolean),
  );
  if (wanted.some((tag) => !present.has(tag))) {
    await deps.proxmox.updateVmConfig(node, vmid, { tags: [...new Set([...present, ...wanted])].join(";") });
  }
  ctx.state.tagged = true;
  await ctx.save();
}

/**
 * Stage 6: grow the imported disk to the configured size (absolute, so a repeat is harmless); a
 * configured size not above the image's keeps the disk as imported and the card says so.
 */
export async function resizeStage(
  deps: TemplateServices,
  leases: LeaseBook,
  ctx: BuildContext,
): Promise<void> {
  if (ctx.state.upToDate !== undefined || ctx.state.resized === true) return;
  const wantedBytes = ctx.data.settings.disk * GIB;
  const imported = typeof ctx.state.importedBytes === "number" ? ctx.state.importedBytes : undefined;
  if (imported !== undefined && wantedBytes <= imported) {
    ctx.state.diskKept = true;
    ctx.progress(
      1,
      `disk kept at ${formatGiB(imported)}: the image is not smaller than the configured ${ctx.data.settings.disk} GiB`,
    );
    ctx.state.resized = true;
    return;
  }
  await ensureLeases(deps, leases, ctx);
  const vmid = Number(ctx.state.createdVmid);
  const { node } = ctx.data;
  await runTask(
    deps,
    ctx,
    "resizeUpid",
    () => deps.proxmox.resizeDisk(node, vmid, "scsi0", `${ctx.data.settings.disk}G`),
    {
      node,
      type: "resize",
      id: String(vmid),
      done: async () => (driveSizeBytes((await deps.proxmox.vmConfig(node, vmid)).scsi0) ?? 0) >= wantedBytes,
    },
  );
  ctx.state.resized = true;
}

/** The card's line about the disk: grown to the configured size, or kept at the image's. */
export function diskSummary(state: Record<string, unknown>, configuredGiB: number): string | undefined {
  const imported = typeof state.importedBytes === "number" ? state.importedBytes : undefined;
  if (state.diskKept === true && imported !== undefined) {
    return `${formatGiB(imported)}, kept at the image's size (configured ${configuredGiB} GiB is not larger; disks never shrink)`;
  }
  if (state.resized === true) {
    return `${configuredGiB} GiB${imported !== undefined ? ` (grown from ${formatGiB(imported)})` : ""}`;
  }
  return undefined;
}
