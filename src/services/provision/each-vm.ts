/**
 * Working on the VMs of one job side by side: at most `perNode` at once on each node, the rest queued.
 * Each VM's step also holds a slot of the node's Redis semaphore (`provision:<node>`, the same limit), so
 * jobs running at the same time, in this process or another, share the limit instead of each having it.
 * When one VM fails, no further VM starts, the ones under way finish (so the job state records what they
 * made), and the first failure is thrown. Every VM keeps its own record in `ctx.state.vms`.
 */
import { setMaxListeners } from "node:events";
import type { JsonObject } from "../jobs/definition.js";
import { ProxmoxTaskError } from "../proxmox.js";
import type { CreateContext, ProvisionServices } from "./deps.js";

/** What the job knows about one of its VMs; saved with the job state between steps and attempts. */
export interface VmProgress {
  vmid?: number;
  cloneSentAt?: number;
  cloneUpid?: string;
  cloned?: boolean;
  configured?: boolean;
  resizeUpid?: string;
  resizeSentAt?: number;
  resized?: boolean;
  startUpid?: string;
  /** When the start task ended (bot clock); the agent's boot is measured from here. */
  startedAt?: number;
  startSentAt?: number;
  started?: boolean;
  ips?: string[];
  /** Post-boot steps completed. */
  stepsDone?: number;
}

export function progressOf(ctx: CreateContext, index: number): VmProgress {
  if (!Array.isArray(ctx.state.vms)) ctx.state.vms = ctx.data.vms.map(() => ({}));
  const list = ctx.state.vms as JsonObject[];
  list[index] ??= {};
  return list[index] as VmProgress;
}

/**
 * Follows a task the job started for one VM. A task that ended in an error left nothing behind, so its
 * UPID and send mark are dropped: a retry of the step (a lock held by a backup goes away) starts the task
 * again instead of re-reading the same failed end.
 */
export async function followOwnTask(
  deps: { follower: { follow(upid: string, options?: { signal?: AbortSignal }): Promise<unknown> } },
  ctx: CreateContext,
  vm: VmProgress,
  upidKey: "cloneUpid" | "resizeUpid" | "startUpid",
  sentKey: "cloneSentAt" | "resizeSentAt" | "startSentAt",
): Promise<void> {
  try {
    await deps.follower.follow(vm[upidKey]!, { signal: ctx.signal });
  } catch (err) {
    if (err instanceof ProxmoxTaskError) {
      delete vm[upidKey];
      delete vm[sentKey];
      await ctx.save();
    }
    throw err;
  }
  delete vm[upidKey];
}

/** The semaphore key of a node's provisioning slots. */
export const nodeSlotKey = (node: string) => `provision:${node}`;

export async function eachVm(
  deps: Pick<ProvisionServices, "semaphore" | "leaseMs">,
  ctx: CreateContext,
  work: (index: number, vm: VmProgress) => Promise<void>,
  label: string,
): Promise<void> {
  const { vms, perNode } = ctx.data;
  const inSlot = async (index: number) => {
    const lease = await deps.semaphore.acquire(nodeSlotKey(vms[index]!.node), perNode, {
      owner: ctx.jobId,
      leaseMs: deps.leaseMs ?? 60_000,
      signal: ctx.signal,
    });
    try {
      await work(index, progressOf(ctx, index));
    } finally {
      await lease.release();
    }
  };
  const queues = new Map<string, number[]>();
  for (const [i, vm] of vms.entries()) queues.set(vm.node, [...(queues.get(vm.node) ?? []), i]);
  let done = 0;
  let failure: { err: unknown } | undefined;
  const lane = async (queue: number[]) => {
    for (let next = queue.shift(); next !== undefined && !failure; next = queue.shift()) {
      try {
        await inSlot(next);
      } catch (err) {
        failure ??= { err };
      }
      done++;
      ctx.progress(done / vms.length, `${label}: ${done}/${vms.length}`);
    }
  };
  // Every lane waits on the job's one cancel signal (sleeps, task follows); Node warns past 10 listeners.
  setMaxListeners(Math.max(10, 4 * perNode * queues.size), ctx.signal);
  const lanes: Promise<void>[] = [];
  for (const queue of queues.values()) {
    for (let i = 0; i < Math.min(perNode, queue.length); i++) lanes.push(lane(queue));
  }
  await Promise.all(lanes);
  await ctx.save();
  if (failure) throw failure.err;
}
