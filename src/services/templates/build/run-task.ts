/**
 * Starting a PVE task at most once per need, and following it. The UPID is saved before following, so an
 * attempt that resumes after a killed worker follows the task already running instead of starting a
 * second one. A task that ended in error is forgotten (its UPID dropped) so that the next try starts the
 * task again instead of re-reading the same failed end; a transient failure (the VM locked by a backup
 * or another task) is retried here a few times before the job's own retry takes over.
 */
import type { JsonObject } from "../../jobs/definition.js";
import { ProxmoxTaskError, type TaskDone } from "../../proxmox.js";
import type { BuildContext, BuildDeps } from "./deps.js";
import { realSleep } from "./follow-task.js";

export const DEFAULT_TASK_RETRY = { attempts: 3, delayMs: 5000 };

export async function runTask(
  deps: BuildDeps,
  ctx: BuildContext,
  key: string,
  start: () => Promise<string>,
): Promise<TaskDone> {
  const retry = deps.taskRetry ?? DEFAULT_TASK_RETRY;
  const sleep = deps.sleep ?? realSleep;
  for (let attempt = 1; ; attempt++) {
    let upid = ctx.state[key];
    if (typeof upid !== "string") {
      upid = await start();
      ctx.state[key] = upid;
      await ctx.save();
    }
    try {
      return await deps.follower.follow(upid, { signal: ctx.signal });
    } catch (err) {
      if (!(err instanceof ProxmoxTaskError)) throw err;
      await forgetTask(ctx, key);
      if (!err.transient || attempt >= retry.attempts) throw err;
      ctx.log.warn(
        { upid, attempt, exitstatus: err.exitstatus },
        "PVE task failed transiently; starting it again",
      );
      await sleep(retry.delayMs * 2 ** (attempt - 1), ctx.signal);
    }
  }
}

/** Drops a stopped task's UPID from the job state, so no later attempt follows it again. */
export async function forgetTask(
  ctx: { state: JsonObject; save(): Promise<void> },
  key: string,
): Promise<void> {
  delete ctx.state[key];
  await ctx.save();
}
