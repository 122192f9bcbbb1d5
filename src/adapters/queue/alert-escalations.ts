/**
 * Escalation timers as BullMQ delayed jobs. The job id names the group, its firing episode and the round,
 * so every bot process may schedule the same timer and BullMQ keeps one while it waits; one worker runs
 * it. A finished timer is removed, so a round that was skipped (the group was acknowledged then) can be
 * scheduled again after an unacknowledge; the escalator's own count keeps a round from being announced twice.
 */
import { Queue, Worker } from "bullmq";
import type { EscalationTimer, EscalationTimers } from "../../services/alerts/escalation.js";
import type { Clock, Log } from "../../services/ports.js";
import type { RedisHealth } from "../store/redis-health.js";
import type { QueueConnection } from "./connection.js";
import { closeWhenSettled, healthFor } from "./connection.js";

export const ALERT_ESCALATIONS_QUEUE = "alert-escalations";
/** Failed timers are kept this long for inspection. */
const KEEP_FAILED_S = 7 * 86_400;

export interface AlertEscalationsOptions {
  connection: QueueConnection;
  prefix: string;
  /** Runs a due timer; throws to have BullMQ retry it. */
  fire(timer: EscalationTimer): Promise<unknown>;
  clock: Clock;
  log: Log;
  redisHealth?: RedisHealth;
}

export interface AlertEscalationQueue extends EscalationTimers {
  close(): Promise<void>;
}

/** `worker: false` schedules only (a web-only process); the timers then run in a worker process. */
export function startAlertEscalations(options: AlertEscalationsOptions, worker = true): AlertEscalationQueue {
  const { clock, log } = options;
  const health = healthFor(options.redisHealth, log);
  const queue = new Queue<EscalationTimer>(ALERT_ESCALATIONS_QUEUE, {
    connection: options.connection,
    prefix: options.prefix,
  });
  queue.on("error", health.listener(ALERT_ESCALATIONS_QUEUE));
  const runner = worker
    ? new Worker<EscalationTimer>(ALERT_ESCALATIONS_QUEUE, (job) => options.fire(job.data), {
        connection: options.connection,
        prefix: options.prefix,
        concurrency: 4,
      })
    : undefined;
  runner?.on("error", health.listener(ALERT_ESCALATIONS_QUEUE));
  runner?.on("failed", (job, err) => log.warn({ err, group: job?.data.groupId }, "alert escalation failed"));
  return {
    async schedule(timer) {
      await queue.add("escalate", timer, {
        jobId: `escalate-${timer.groupId}-${timer.episode}-${timer.round}`,
        delay: Math.max(0, timer.at - clock.now()),
        attempts: 5,
        backoff: { type: "exponential", delay: 2000 },
        removeOnComplete: true,
        removeOnFail: { age: KEEP_FAILED_S },
      });
    },
    async close() {
      if (runner) await closeWhenSettled(runner);
      await closeWhenSettled(queue);
    },
  };
}
