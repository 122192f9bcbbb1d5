/**
 * Starting a PVE task at most once per need, and following it. The UPID is saved before following, so an
 * attempt that resumes after a killed worker follows the task already running instead of starting a
 * second one. A task that ended in error is forgotten (its UPID dropped) so that the next try starts the
 * task again instead of re-reading the same failed end; a transient failure (the VM locked by a backup
 * or another task) is retried here a few times before the job's own retry takes over. A start whose
 * answer was lost is never repeated before its effect was looked for: the task on the node's list, or
 * the result it leaves (`done`).
 */

import { doublingDelay } from "../../backoff.js";
import type { JsonObject } from "../../jobs/definition.js";
import { ProxmoxTaskError, type TaskDone } from "../../proxmox.js";
import { realSleep } from "../../tasks/follow-task.js";
import type { BuildContext, TemplateServices } from "./deps.js";
import { answerLost, findStartedTask } from "./recover.js";

export const DEFAULT_TASK_RETRY = { attempts: 3, delayMs: 5000 };

/** How to recognise an earlier start of this task whose answer never arrived. */
export interface TaskIdentity {
  node: string;
  /** PVE worker type and id, as in the UPID: `qmtemplate` and the vmid. */
  type: string;
  id: string;
  /** True when the task's result is already there (the config says `template: 1`, the volume exists). */
  done(): Promise<boolean>;
}

export async function runTask(
  deps: TemplateServices,
  ctx: BuildContext,
  key: string,
  start: () => Promise<string>,
  identity?: TaskIdentity,
): Promise<TaskDone | undefined> {
  const retry = deps.taskRetry ?? DEFAULT_TASK_RETRY;
  const sleep = deps.sleep ?? realSleep;
  const sentKey = `${key}SentAt`;
  for (let attempt = 1; ; attempt++) {
    if (typeof ctx.state[key] !== "string" && identity && typeof ctx.state[sentKey] === "number") {
      // The result decides first (it outlives the task list); a task still running is followed.
      if (await identity.done()) {
        await forgetTask(ctx, sentKey);
        return undefined;
      }
      const found = await findStartedTask(deps, identity.node, {
        ...identity,
        sentAtMs: ctx.state[sentKey] as number,
      });
      if (found) {
        ctx.state[key] = found.upid;
        await ctx.save();
      }
    }
    let upid = ctx.state[key];
    if (typeof upid !== "string") {
      ctx.state[sentKey] = deps.clock.now();
      await ctx.save();
      try {
        upid = await start();
      } catch (err) {
        if (!identity || !answerLost(err) || attempt >= retry.attempts) throw err;
        ctx.log.warn(
          { err, attempt },
          "no answer to a PVE task start; looking for its effect before resending",
        );
        await sleep(settleMs(deps), ctx.signal);
        continue;
      }
      ctx.state[key] = upid;
      await ctx.save();
    }
    try {
      const done = await deps.follower.follow(upid, { signal: ctx.signal });
      await forgetTask(ctx, sentKey);
      return done;
    } catch (err) {
      if (!(err instanceof ProxmoxTaskError)) throw err;
      await forgetTask(ctx, key);
      await forgetTask(ctx, sentKey);
      if (!err.transient || attempt >= retry.attempts) throw err;
      ctx.log.warn(
        { upid, attempt, exitstatus: err.exitstatus },
        "PVE task failed transiently; starting it again",
      );
      await sleep(doublingDelay(retry.delayMs, attempt), ctx.signal);
    }
  }
}

/** A pause before looking for the effect of a request without answer, so PVE has finished taking it. */
export function settleMs(deps: TemplateServices): number {
  return deps.settleMs ?? 2000;
}

/** Drops a key (a stopped task's UPID, a send mark) from the job state and saves. */
export async function forgetTask(
  ctx: { state: JsonObject; save(): Promise<void> },
  key: string,
): Promise<void> {
  if (!(key in ctx.state)) return;
  delete ctx.state[key];
  await ctx.save();
}
