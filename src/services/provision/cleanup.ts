/**
 * Undoing a failed `vm create`: every VM the job cloned (or may have cloned, its answer lost) is stopped
 * when running and destroyed with its disks, unless `--keep-on-failure` asked to keep them for a look.
 * Only a VM that carries this job's marker, or is still locked by its clone at the job's own reserved
 * VMID, is touched. The reservations are released in any case. Idempotent: a VM already gone is fine.
 */
import { UserError } from "../errors.js";
import { ProxmoxError } from "../proxmox.js";
import { goneOrOutOfScope } from "../templates/build/recover.js";
import { marker } from "./clone.js";
import type { CreateContext, ProvisionServices } from "./deps.js";
import { progressOf } from "./each-vm.js";

/** Longest wait for a clone's lock before the cleanup gives up on that VM. */
const LOCK_WAIT_MS = 10 * 60_000;

export async function cleanupCreate(deps: ProvisionServices, ctx: CreateContext): Promise<string[]> {
  const undone: string[] = [];
  const problems: string[] = [];
  try {
    if (ctx.state.done === true) return [];
    for (const [i, plan] of ctx.data.vms.entries()) {
      const vm = progressOf(ctx, i);
      if (vm.vmid === undefined || (!vm.cloned && vm.cloneSentAt === undefined && vm.cloneUpid === undefined))
        continue;
      if (ctx.data.keepOnFailure) {
        undone.push(`nothing: VM ${vm.vmid} (${plan.name}) kept for --keep-on-failure`);
        continue;
      }
      try {
        if (await removeOwnVm(deps, ctx, plan.node, vm.vmid)) undone.push(`VM ${vm.vmid} (${plan.name})`);
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        problems.push(`VM ${vm.vmid} on ${plan.node}: ${reason.replace(/\.$/, "")}`);
      }
    }
  } finally {
    for (const [i] of ctx.data.vms.entries()) {
      const vmid = progressOf(ctx, i).vmid;
      if (vmid === undefined) continue;
      await deps.reservations.release(vmid, ctx.jobId).catch((err: unknown) => {
        ctx.log.error({ err, vmid }, "could not release a VMID reservation; it expires by itself");
      });
    }
  }
  if (problems.length > 0) {
    throw new UserError(
      "E_PVE",
      `left behind: ${problems.join("; ")}. Remove them by hand (qm destroy <vmid> --purge)${undone.length ? `; removed ${undone.join(", ")}` : ""}`,
    );
  }
  return undone;
}

async function removeOwnVm(
  deps: ProvisionServices,
  ctx: CreateContext,
  node: string,
  vmid: number,
): Promise<boolean> {
  const read = () =>
    deps.proxmox.vmConfig(node, vmid).catch((err: unknown) => {
      if (goneOrOutOfScope(err)) return undefined;
      throw err;
    });
  let config = await read();
  if (!config) return false;
  const ours =
    (typeof config.description === "string" && config.description.includes(marker(ctx.jobId))) ||
    config.lock === "clone";
  if (!ours) {
    ctx.log.warn({ vmid }, "VM does not carry this job's marker; leaving it alone");
    return false;
  }
  const until = deps.clock.now() + LOCK_WAIT_MS;
  while (config?.lock !== undefined && deps.clock.now() < until) {
    await deps.sleep(deps.pollMs ?? 1000);
    config = await read();
  }
  if (!config) return false;
  if ((await deps.proxmox.vmStatus(node, vmid)).status === "running") {
    await deps.follower.follow(await deps.proxmox.stopVm(node, vmid));
  }
  try {
    await deps.follower.follow(
      await deps.proxmox.destroyVm(node, vmid, { purge: true, destroyUnreferencedDisks: true }),
    );
  } catch (err) {
    if (err instanceof ProxmoxError && goneOrOutOfScope(err)) return false;
    throw err;
  }
  return true;
}
