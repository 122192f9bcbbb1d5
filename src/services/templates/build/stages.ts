/**
 * The stages of one template build, shared by the `template.build` job (one progress step each) and the
 * matrix runner. Each stage records what it did in `ctx.state` before and after risky calls, so a retry
 * skips finished work and the cleanup knows exactly what this build created.
 */
import { UserError } from "../../errors.js";
import { releaseHeld } from "../../locks/lease-book.js";
import { listTemplates } from "../lifecycle/inventory.js";
import { markSuperseded } from "./cleanup.js";
import type { BuildContext, LeaseBook, TemplateServices } from "./deps.js";
import { ensureLeases } from "./leases.js";
import type { DistroEntry } from "./ports.js";
import { checkStorages } from "./preflight.js";
import { runTask } from "./run-task.js";

export { cleanupBuild } from "./cleanup.js";
export { createStage, vmidStage } from "./create.js";
export type { BuildContext, LeaseBook, TemplateServices } from "./deps.js";
export { resizeStage, tagStage } from "./disk.js";

function entryOf(deps: TemplateServices, key: string): DistroEntry {
  const entry = deps.catalog.get(key);
  if (!entry) {
    const close = deps.catalog.suggest(key, 3);
    throw new UserError(
      "E_ARGS",
      `unknown distro "${key}"${close.length > 0 ? `; did you mean ${close.join(", ")}?` : ""}`,
    );
  }
  return entry;
}

/** Stage 1: checks, the upstream checksum, and the up-to-date answer. */
export async function checkStage(
  deps: TemplateServices,
  leases: LeaseBook,
  ctx: BuildContext,
): Promise<void> {
  const { proxmox } = deps;
  const { node, distro, settings } = ctx.data;
  const entry = entryOf(deps, distro);
  // The node itself was checked when the build was planned; an unknown node fails the storage list.
  // The pool was checked when the build was planned; a pool removed since fails the create, which names it.
  ctx.state.placement = { ...(await checkStorages(proxmox, node, settings)) };
  const expected = await deps.checksums.expected(entry);
  ctx.state.algorithm = expected.algorithm;
  ctx.state.checksum = expected.value.toLowerCase();
  ctx.state.imageUrl = expected.imageUrl;
  await ctx.save();
  await ensureLeases(deps, leases, ctx);
  if (!ctx.data.force && typeof ctx.state.vmid !== "number") {
    const newest = (await listTemplates(proxmox, { node, distro })).find((t) => !t.superseded);
    if (newest?.meta?.checksum === ctx.state.checksum) {
      ctx.state.upToDate = { name: newest.name, vmid: newest.vmid };
      await ctx.save();
    }
  }
}

const skipped = (ctx: BuildContext) => ctx.state.upToDate !== undefined;

/** Stage 2: reuse the image on the storage when this checksum was downloaded before; else download it. */
export async function imageStage(
  deps: TemplateServices,
  leases: LeaseBook,
  ctx: BuildContext,
): Promise<void> {
  if (skipped(ctx) || typeof ctx.state.imageVolid === "string") return;
  await ensureLeases(deps, leases, ctx);
  const { proxmox } = deps;
  const { node, settings, distro } = ctx.data;
  const checksum = String(ctx.state.checksum);
  const filename = deps.importFilename(entryOf(deps, distro), checksum);
  const volid = `${settings.imageStorage}:import/${filename}`;
  const present =
    typeof ctx.state.downloadUpid !== "string" &&
    (await proxmox.storageContent(node, settings.imageStorage, { content: "import" })).some(
      (v) => v.volid === volid,
    );
  if (present) {
    ctx.state.imageReused = true;
  } else {
    ctx.progress(0.05, `downloading ${filename}`);
    await runTask(
      deps,
      ctx,
      "downloadUpid",
      () =>
        proxmox.downloadUrl(node, settings.imageStorage, {
          url: String(ctx.state.imageUrl),
          filename,
          content: "import",
          checksum,
          checksumAlgorithm: ctx.state.algorithm as "sha256" | "sha512",
        }),
      {
        node,
        type: "download",
        id: filename,
        done: async () =>
          (await proxmox.storageContent(node, settings.imageStorage, { content: "import" })).some(
            (v) => v.volid === volid,
          ),
      },
    );
  }
  ctx.state.imageVolid = volid;
}

/** Stage 7: convert to a template. */
export async function templateStage(
  deps: TemplateServices,
  leases: LeaseBook,
  ctx: BuildContext,
): Promise<void> {
  if (skipped(ctx) || ctx.state.converted === true) return;
  await ensureLeases(deps, leases, ctx);
  const vmid = Number(ctx.state.createdVmid);
  const { node } = ctx.data;
  await runTask(deps, ctx, "templateUpid", () => deps.proxmox.convertToTemplate(node, vmid), {
    node,
    type: "qmtemplate",
    id: String(vmid),
    // A convert whose answer was lost may have finished: the config then says template: 1.
    done: async () => Number((await deps.proxmox.vmConfig(node, vmid)).template ?? 0) === 1,
  });
  ctx.state.converted = true;
}

/** Stage 8: confirm `template: 1`, mark older versions superseded, free the VMID and the slots. */
export async function verifyStage(
  deps: TemplateServices,
  leases: LeaseBook,
  ctx: BuildContext,
): Promise<void> {
  const { node, distro } = ctx.data;
  if (!skipped(ctx)) {
    const vmid = Number(ctx.state.createdVmid);
    const config = await deps.proxmox.vmConfig(node, vmid);
    if (Number(config.template ?? 0) !== 1) {
      throw new UserError(
        "E_PVE",
        `VM ${vmid} on ${node} is not a template after conversion (config has no template: 1)`,
      );
    }
    await markSuperseded(deps.proxmox, node, distro, vmid);
    await deps.reservations.release(vmid, ctx.jobId);
    // From here on the template is the build's result, never something to clean up.
    ctx.state.done = true;
    await ctx.save();
  }
  await releaseHeld(leases, ctx.jobId);
}
