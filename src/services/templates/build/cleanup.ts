/** Undoing a failed build, and retiring older versions after a successful one. */
import { type Proxmox, ProxmoxError } from "../../proxmox.js";
import { listTemplates } from "../lifecycle/inventory.js";
import type { BuildContext, BuildDeps, LeaseBook } from "./deps.js";
import { releaseLeases } from "./leases.js";
import { SUPERSEDED_TAG } from "./metadata.js";

/** Tags every other template of the distro on the node `superseded`; the newest build is the current one. */
export async function markSuperseded(
  proxmox: Proxmox,
  node: string,
  distro: string,
  current: number,
): Promise<number[]> {
  const older = (await listTemplates(proxmox, { node, distro, exclude: current })).filter(
    (t) => !t.superseded,
  );
  for (const t of older) {
    await proxmox.updateVmConfig(node, t.vmid, { tags: [...t.tags, SUPERSEDED_TAG].join(";") });
  }
  return older.map((t) => t.vmid);
}

/**
 * Removes what this build created: the VM (purged, with unreferenced disks) and the reservation. A VM is
 * destroyed only when this build created it, or when its description carries this build's job id (the
 * worker died between sending the create and recording it). Idempotent: a missing VM is fine.
 */
export async function cleanupBuild(deps: BuildDeps, leases: LeaseBook, ctx: BuildContext): Promise<string[]> {
  const removed: string[] = [];
  const { node } = ctx.data;
  if (ctx.state.done === true) {
    await releaseLeases(leases, ctx.jobId);
    return removed;
  }
  const candidates: number[] = [];
  if (typeof ctx.state.createdVmid === "number") candidates.push(ctx.state.createdVmid);
  else if (typeof ctx.state.creatingVmid === "number") {
    const config = await deps.proxmox.vmConfig(node, ctx.state.creatingVmid).catch(() => undefined);
    if (typeof config?.description === "string" && config.description.includes(`job: ${ctx.jobId}\n`)) {
      candidates.push(ctx.state.creatingVmid);
    }
  }
  for (const vmid of candidates) {
    const exists = await deps.proxmox.vmStatus(node, vmid).then(
      () => true,
      (err: unknown) => {
        if (
          err instanceof ProxmoxError &&
          /does not exist|no such VM/i.test(`${err.message} ${err.pveMessage ?? ""}`)
        )
          return false;
        throw err;
      },
    );
    if (exists) {
      await deps.follower.follow(
        await deps.proxmox.destroyVm(node, vmid, { purge: true, destroyUnreferencedDisks: true }),
      );
      removed.push(`VM ${vmid}`);
    }
    delete ctx.state.createdVmid;
    await ctx.save();
  }
  if (typeof ctx.state.vmid === "number") await deps.reservations.release(ctx.state.vmid, ctx.jobId);
  await releaseLeases(leases, ctx.jobId);
  return removed;
}
