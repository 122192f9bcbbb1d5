/**
 * VMIDs and clones. Each VM gets a VMID from `provision.vmidRange`, held in Redis until PVE knows the VM.
 * A clone is the one request that must never be sent twice: PVE writes the new VM's config (locked
 * `clone`) before it answers, so when the answer is lost the job looks at its reserved VMID first, and
 * follows the VM found there until its lock is gone instead of sending the clone again.
 */
import { UserError } from "../errors.js";
import { ProxmoxError, ProxmoxTaskError } from "../proxmox.js";
import { takenVmids } from "../templates/build/preflight.js";
import { answerLost, goneOrOutOfScope } from "../templates/build/recover.js";
import type { CreateContext, ProvisionServices } from "./deps.js";
import { eachVm, followOwnTask, progressOf, type VmProgress } from "./each-vm.js";

/** Sends of one clone (VMIDs someone outside the bot's view holds, answers lost) before giving up. */
const CLONE_SENDS = 4;

export const marker = (jobId: string) => `job: ${jobId}\n`;

export function describeVm(ctx: CreateContext): string {
  const { template, requestedBy, profile } = ctx.data;
  return (
    `Created by proxmox-chatops for ${requestedBy} from template ${template.name} (${template.vmid})` +
    `${profile ? ` with profile ${profile}` : ""}.\n${marker(ctx.jobId)}`
  );
}

/** Step 1: a VMID for every VM that has none yet; PVE's and Redis' lists are read once for all of them. */
export async function vmidStep(deps: ProvisionServices, ctx: CreateContext): Promise<void> {
  const missing = ctx.data.vms.map((_, i) => i).filter((i) => progressOf(ctx, i).vmid === undefined);
  if (missing.length === 0) return;
  const skip = new Set<number>();
  const taken = await takenVmids(deps.proxmox);
  for (const i of missing) progressOf(ctx, i).vmid = await reserveVmid(deps, ctx, skip, taken);
  await ctx.save();
}

async function reserveVmid(
  deps: ProvisionServices,
  ctx: CreateContext,
  skip: Set<number>,
  known?: Set<number>,
): Promise<number> {
  const { min, max } = deps.config.vmidRange;
  const taken = known ?? (await takenVmids(deps.proxmox));
  const reserved = await deps.reservations.reserved(min, max);
  for (let vmid = min; vmid <= max; vmid++) {
    if (taken.has(vmid) || reserved.has(vmid) || skip.has(vmid)) continue;
    if (await deps.reservations.reserve(vmid, ctx.jobId, deps.reservationTtlMs ?? 2 * 3_600_000)) {
      skip.add(vmid);
      return vmid;
    }
  }
  throw new UserError("E_CONFIG", `no free VMID left in ${min}–${max} (provision.vmidRange)`);
}

const vmExists = (err: unknown) =>
  err instanceof ProxmoxError &&
  !(err instanceof ProxmoxTaskError) &&
  /already exists/.test(`${err.message} ${err.pveMessage ?? ""}`);

/** Step 2: clone the template into each VM's VMID. */
export async function cloneStep(deps: ProvisionServices, ctx: CreateContext): Promise<void> {
  await eachVm(deps, ctx, (i, vm) => cloneOne(deps, ctx, i, vm), "cloning");
}

async function cloneOne(deps: ProvisionServices, ctx: CreateContext, i: number, vm: VmProgress) {
  if (vm.cloned) return;
  const plan = ctx.data.vms[i]!;
  const { template } = ctx.data;
  for (let send = 1; vm.cloneUpid === undefined; send++) {
    if (vm.cloneSentAt !== undefined && (await adoptClone(deps, ctx, plan.node, vm))) return;
    vm.cloneSentAt = deps.clock.now();
    await ctx.save();
    try {
      vm.cloneUpid = await deps.proxmox.cloneVm(template.node, template.vmid, {
        newid: vm.vmid!,
        name: plan.name,
        full: !ctx.data.linked,
        pool: ctx.data.pool,
        description: describeVm(ctx),
        ...(plan.node !== template.node ? { target: plan.node } : {}),
      });
    } catch (err) {
      if (answerLost(err) && send < CLONE_SENDS) {
        ctx.log.warn(
          { err, vmid: vm.vmid },
          "no answer to a clone; looking at its VMID before sending again",
        );
        await deps.sleep(deps.settleMs ?? 2000, ctx.signal);
        continue;
      }
      if (!vmExists(err) || send >= CLONE_SENDS) throw err;
      // A VM outside the bot's view holds this VMID: take the next free one.
      await deps.reservations.release(vm.vmid!, ctx.jobId);
      delete vm.cloneSentAt;
      vm.vmid = await reserveVmid(deps, ctx, new Set([vm.vmid!]));
      continue;
    }
    await ctx.save();
  }
  // A failed qmclone removes its VM; a retry clones again into the same reserved VMID.
  await followOwnTask(deps, ctx, vm, "cloneUpid", "cloneSentAt");
  vm.cloned = true;
}

/**
 * After a clone without answer: the VM at our reserved VMID is ours when it carries this job's marker or
 * is still locked by its clone. Its lock is waited out; a VM that disappears meanwhile was a failed clone.
 */
async function adoptClone(
  deps: ProvisionServices,
  ctx: CreateContext,
  node: string,
  vm: VmProgress,
): Promise<boolean> {
  const read = () =>
    deps.proxmox.vmConfig(node, vm.vmid!).catch((err: unknown) => {
      if (goneOrOutOfScope(err)) return undefined;
      throw err;
    });
  let config = await read();
  if (!config) return false;
  const description = typeof config.description === "string" ? config.description : "";
  if (!description.includes(marker(ctx.jobId)) && config.lock !== "clone") return false;
  while (config?.lock === "clone") {
    await deps.sleep(deps.pollMs ?? 1000, ctx.signal);
    config = await read();
  }
  if (!config) throw new UserError("E_PVE", `the clone into VM ${vm.vmid} failed; PVE removed it`);
  ctx.log.info({ vmid: vm.vmid }, "found this job's clone after a lost answer; continuing with it");
  vm.cloned = true;
  delete vm.cloneSentAt;
  await ctx.save();
  return true;
}
