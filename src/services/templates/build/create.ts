/**
 * Stages 3 and 4: a VMID held in Redis until PVE knows the VM, and the create request that imports the
 * image. The create is the one request that must never run twice: a second one would make a second VM
 * or fail on the first one's lock. So `creatingVmid` and the send time are saved before it goes out, and
 * whenever a create may have happened without our knowing (the answer was lost, the worker died, PVE
 * says the VMID exists), the build first looks for its own create: a qmcreate task for that VMID since
 * the send, or the VM whose description carries this job's id. Only when neither exists is it sent again.
 */

import { doublingDelay } from "../../backoff.js";
import { UserError } from "../../errors.js";
import { ProxmoxError, ProxmoxTaskError } from "../../proxmox.js";
import { realSleep } from "../../tasks/follow-task.js";
import type { BuildContext, LeaseBook, TemplateServices } from "./deps.js";
import { ensureLeases } from "./leases.js";
import { checkRequestedVmid, poolProblem, takenVmids } from "./preflight.js";
import { answerLost, findStartedTask, goneOrOutOfScope } from "./recover.js";
import { DEFAULT_TASK_RETRY, forgetTask, settleMs } from "./run-task.js";
import { createRequest, poolOf } from "./vm-request.js";

/** Sends of one create (VMIDs taken by others, answers lost) before the stage gives up. */
const CREATE_SENDS = 5;

const skipped = (ctx: BuildContext) => ctx.state.upToDate !== undefined;

/** Stage 3: a VMID from the template range, held in Redis until PVE knows the VM. */
export async function vmidStage(deps: TemplateServices, leases: LeaseBook, ctx: BuildContext): Promise<void> {
  if (skipped(ctx) || typeof ctx.state.vmid === "number") return;
  await ensureLeases(deps, leases, ctx);
  ctx.state.vmid = await allocateVmid(deps, ctx, new Set());
}

async function allocateVmid(deps: TemplateServices, ctx: BuildContext, skip: Set<number>): Promise<number> {
  const ttl = deps.reservationTtlMs ?? 2 * 3_600_000;
  if (ctx.data.vmid !== undefined) {
    await checkRequestedVmid(deps.proxmox, deps.reservations, deps.config, ctx.data.vmid);
    if (!(await deps.reservations.reserve(ctx.data.vmid, ctx.jobId, ttl))) {
      throw new UserError("E_ARGS", `VMID ${ctx.data.vmid} is reserved by another template build`);
    }
    return ctx.data.vmid;
  }
  const { min, max } = deps.config.vmidRange;
  const taken = await takenVmids(deps.proxmox);
  const reserved = await deps.reservations.reserved(min, max);
  for (let vmid = min; vmid <= max; vmid++) {
    if (taken.has(vmid) || reserved.has(vmid) || skip.has(vmid)) continue;
    if (await deps.reservations.reserve(vmid, ctx.jobId, ttl)) return vmid;
  }
  throw new UserError(
    "E_CONFIG",
    `no free VMID left in the template range ${min}–${max} (templates.vmidRange)`,
  );
}

const pveText = (err: unknown) =>
  err instanceof ProxmoxError ? `${err.message} ${err.pveMessage ?? ""}` : String(err);
const alreadyExists = (err: unknown) =>
  err instanceof ProxmoxError && !(err instanceof ProxmoxTaskError) && /already exists/.test(pveText(err));
/** PVE's answers when the pool is gone or the token lost its rights on it since the build was planned. */
const poolMissing = (err: unknown) =>
  err instanceof ProxmoxError &&
  /pool '.*' does not exist|Permission check failed \(\/pool\/[^,]+, VM\.Allocate\)/.test(pveText(err));

/** Stage 4: create the VM importing the image; a VMID someone else took meanwhile moves to the next one. */
export async function createStage(
  deps: TemplateServices,
  leases: LeaseBook,
  ctx: BuildContext,
): Promise<void> {
  if (skipped(ctx) || ctx.state.imported === true) return;
  await ensureLeases(deps, leases, ctx);
  const retry = deps.taskRetry ?? DEFAULT_TASK_RETRY;
  for (let attempt = 1; ; attempt++) {
    if (typeof ctx.state.createUpid !== "string" && ctx.state.createFound !== true)
      await startCreate(deps, ctx);
    if (typeof ctx.state.createUpid !== "string") break;
    ctx.progress(0.1, `importing the image into VM ${String(ctx.state.createdVmid)}`);
    try {
      await deps.follower.follow(ctx.state.createUpid, { signal: ctx.signal });
      break;
    } catch (err) {
      if (!(err instanceof ProxmoxTaskError)) throw err;
      // A failed qmcreate removes its VM (qemu-server unlinks the config), so a new try creates again.
      await forgetTask(ctx, "createUpid");
      if (!err.transient || attempt >= retry.attempts) throw err;
      await (deps.sleep ?? realSleep)(doublingDelay(retry.delayMs, attempt), ctx.signal);
    }
  }
  delete ctx.state.createFound;
  ctx.state.imported = true;
}

async function startCreate(deps: TemplateServices, ctx: BuildContext): Promise<void> {
  const skip = new Set<number>();
  for (let send = 1; ; send++) {
    const vmid = Number(ctx.state.vmid);
    if (ctx.state.creatingVmid === vmid && (await adoptOwnCreate(deps, ctx, vmid))) return;
    ctx.state.creatingVmid = vmid;
    ctx.state.createSentAt = deps.clock.now();
    await ctx.save();
    let upid: string;
    try {
      upid = await deps.proxmox.createVm(ctx.data.node, createRequest(deps, ctx, vmid));
    } catch (err) {
      if (poolMissing(err)) {
        delete ctx.state.creatingVmid;
        throw new UserError("E_CONFIG", poolProblem(poolOf(deps, ctx), "Proxmox refused it"));
      }
      if (answerLost(err) && send < CREATE_SENDS) {
        ctx.log.warn({ err, vmid }, "no answer to the create; looking for the VM before sending it again");
        await (deps.sleep ?? realSleep)(settleMs(deps), ctx.signal);
        continue;
      }
      if (alreadyExists(err) && (await adoptOwnCreate(deps, ctx, vmid))) return;
      if (answerLost(err)) throw err;
      delete ctx.state.creatingVmid;
      if (!alreadyExists(err) || ctx.data.vmid !== undefined || send >= CREATE_SENDS) throw err;
      await deps.reservations.release(vmid, ctx.jobId);
      skip.add(vmid);
      ctx.state.vmid = await allocateVmid(deps, ctx, skip);
      continue;
    }
    ctx.state.createUpid = upid;
    ctx.state.createdVmid = vmid;
    delete ctx.state.creatingVmid;
    await ctx.save();
    return;
  }
}

/**
 * Continues with a create this build sent before: its qmcreate task (running or done), else the VM whose
 * description carries this job's id. A VM in a pool becomes visible to a pool-scoped token only when
 * the create task ends, so the task list is looked at first.
 */
async function adoptOwnCreate(deps: TemplateServices, ctx: BuildContext, vmid: number): Promise<boolean> {
  const { node } = ctx.data;
  const sentAtMs = typeof ctx.state.createSentAt === "number" ? ctx.state.createSentAt : 0;
  const task = await findStartedTask(deps, node, { type: "qmcreate", id: String(vmid), sentAtMs });
  if (task) {
    ctx.state.createUpid = task.upid;
  } else {
    const config = await deps.proxmox.vmConfig(node, vmid).catch((err: unknown) => {
      if (goneOrOutOfScope(err)) return undefined;
      throw err;
    });
    const description = typeof config?.description === "string" ? config.description : "";
    if (!description.includes(`job: ${ctx.jobId}\n`) || config?.lock !== undefined) return false;
    ctx.state.createFound = true;
  }
  ctx.log.info({ vmid, upid: task?.upid }, "found this build's own earlier create; continuing with it");
  ctx.state.createdVmid = vmid;
  delete ctx.state.creatingVmid;
  await ctx.save();
  return true;
}
