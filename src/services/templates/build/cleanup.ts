/** Undoing a failed build, and retiring older versions after a successful one. */
import { UserError } from "../../errors.js";
import { releaseHeld } from "../../locks/lease-book.js";
import { type Proxmox, ProxmoxError } from "../../proxmox.js";
import { listTemplates } from "../lifecycle/inventory.js";
import type { BuildContext, LeaseBook, TemplateServices } from "./deps.js";
import { SUPERSEDED_TAG } from "./metadata.js";
import { findStartedTask, goneOrOutOfScope } from "./recover.js";

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
 * destroyed only when its description carries this build's job id, so a VMID someone else took is never
 * touched. A task of ours still holding the VM's lock (create, resize, convert) is waited for first,
 * within `cleanupWaitMs`. Whatever happens, the reservation and the slots are released, so a VM that
 * could not be removed is named in the error (card and audit) and never blocks a later build.
 * Idempotent: a VM already gone, or outside the token's scope, is fine.
 */
export async function cleanupBuild(
  deps: TemplateServices,
  leases: LeaseBook,
  ctx: BuildContext,
): Promise<string[]> {
  try {
    if (ctx.state.done === true) return [];
    const vmid = candidateVmid(ctx);
    if (vmid === undefined) return [];
    await waitForOwnTasks(deps, ctx, vmid);
    const removed = await removeOwnVm(deps, ctx, vmid);
    delete ctx.state.createdVmid;
    delete ctx.state.creatingVmid;
    await ctx.save();
    return removed ? [`VM ${vmid}`] : [];
  } finally {
    if (typeof ctx.state.vmid === "number") {
      await deps.reservations.release(ctx.state.vmid, ctx.jobId).catch((err: unknown) => {
        ctx.log.error(
          { err, vmid: ctx.state.vmid },
          "could not release the VMID reservation; it expires by itself",
        );
      });
    }
    await releaseHeld(leases, ctx.jobId);
  }
}

function candidateVmid(ctx: BuildContext): number | undefined {
  if (typeof ctx.state.createdVmid === "number") return ctx.state.createdVmid;
  if (typeof ctx.state.creatingVmid === "number") return ctx.state.creatingVmid;
  return undefined;
}

/** Waits, bounded, until no task this build started on the VM is running; their outcome does not matter. */
async function waitForOwnTasks(deps: TemplateServices, ctx: BuildContext, vmid: number): Promise<void> {
  const upids = ["createUpid", "resizeUpid", "templateUpid"]
    .map((key) => ctx.state[key])
    .filter((u): u is string => typeof u === "string");
  if (typeof ctx.state.createUpid !== "string" && typeof ctx.state.creatingVmid === "number") {
    // The create's answer was lost: its task, if any, is on the node's list.
    const sentAtMs = typeof ctx.state.createSentAt === "number" ? ctx.state.createSentAt : 0;
    const task = await findStartedTask(deps, ctx.data.node, { type: "qmcreate", id: String(vmid), sentAtMs });
    if (task) upids.push(task.upid);
  }
  const signal = AbortSignal.timeout(deps.cleanupWaitMs ?? 10 * 60_000);
  for (const upid of upids) {
    const status = await deps.proxmox.taskStatus(upid).catch(() => undefined);
    if (status?.status !== "running") continue;
    ctx.log.info({ upid, vmid }, "waiting for this build's running task to end before cleaning up");
    await deps.follower.follow(upid, { signal }).catch((err: unknown) => {
      if (signal.aborted) ctx.log.warn({ upid, vmid }, "task still running after the cleanup wait");
      else if (!(err instanceof ProxmoxError)) throw err;
    });
  }
}

/** Destroys the VM when it is this build's; false when it is gone, out of scope or not ours. */
async function removeOwnVm(deps: TemplateServices, ctx: BuildContext, vmid: number): Promise<boolean> {
  const { node } = ctx.data;
  const config = await deps.proxmox.vmConfig(node, vmid).catch((err: unknown) => {
    if (goneOrOutOfScope(err)) return undefined;
    throw leftBehind(node, vmid, err);
  });
  if (!config) return false;
  const description = typeof config.description === "string" ? config.description : "";
  if (!description.includes(`job: ${ctx.jobId}\n`)) {
    ctx.log.warn({ vmid }, "VM does not carry this build's job id; leaving it alone");
    return false;
  }
  try {
    await deps.follower.follow(
      await deps.proxmox.destroyVm(node, vmid, { purge: true, destroyUnreferencedDisks: true }),
    );
  } catch (err) {
    throw leftBehind(node, vmid, err);
  }
  return true;
}

function leftBehind(node: string, vmid: number, err: unknown): UserError {
  const reason = err instanceof Error ? err.message : String(err);
  return new UserError(
    "E_PVE",
    `VM ${vmid} on ${node} was left behind: ${reason.replace(/\.$/, "")}. Remove it by hand ` +
      `(qm destroy ${vmid} --purge) once nothing holds its lock; later builds skip its VMID`,
  );
}
