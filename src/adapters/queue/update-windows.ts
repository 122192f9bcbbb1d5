/**
 * Maintenance windows on BullMQ: one job scheduler per window (`update-window:<name>`, upserted by every
 * worker process, removed when the window leaves the config), whose ticks BullMQ hands to exactly one
 * worker. Announcements are delayed jobs whose id names the window and the opening they announce, so
 * every process may add them and only one runs.
 */
import { Queue, Worker } from "bullmq";
import type { Clock, Log } from "../../services/ports.js";
import type { MaintenanceWindow } from "../../services/updates/config.js";
import { announceWindow, nextRun, openWindow, type WindowDeps } from "../../services/updates/windows.js";
import type { RedisHealth } from "../store/redis-health.js";
import { closeWhenSettled, healthFor, type QueueConnection } from "./connection.js";

export const UPDATE_WINDOWS_QUEUE = "update-windows";
const SCHEDULER_PREFIX = "update-window:";
/** Finished announcements are kept this long, so an announcement is not repeated by a restart. */
const KEEP_MS = 14 * 86_400_000;

export interface UpdateWindowsOptions extends WindowDeps {
  connection: QueueConnection;
  prefix: string;
  windows: readonly MaintenanceWindow[];
  clock: Clock;
  log: Log;
  redisHealth?: RedisHealth;
}

type WindowJob = { window: string; opensAt?: number };

export async function startUpdateWindows(options: UpdateWindowsOptions): Promise<{ close(): Promise<void> }> {
  const { windows, clock, log } = options;
  const health = healthFor(options.redisHealth, log);
  const queue = new Queue<WindowJob>(UPDATE_WINDOWS_QUEUE, {
    connection: options.connection,
    prefix: options.prefix,
  });
  queue.on("error", health.listener("update-windows"));
  const byName = new Map(windows.map((w) => [w.name, w]));
  for (const scheduler of await queue.getJobSchedulers()) {
    const id = scheduler.key;
    if (id.startsWith(SCHEDULER_PREFIX) && !byName.has(id.slice(SCHEDULER_PREFIX.length))) {
      await queue.removeJobScheduler(id);
      log.info({ window: id }, "maintenance window removed from the schedule");
    }
  }
  if (windows.length === 0) {
    await queue.close();
    return { close: async () => {} };
  }
  const announce = async (window: MaintenanceWindow) => {
    if (window.announce <= 0) return;
    const opensAt = nextRun(window, clock.now());
    const delay = Math.max(0, opensAt - window.announce - clock.now());
    await queue.add(
      "announce",
      { window: window.name, opensAt },
      {
        jobId: `announce-${window.name}-${opensAt}`,
        delay,
        removeOnComplete: { age: KEEP_MS / 1000 },
        removeOnFail: { age: KEEP_MS / 1000 },
      },
    );
  };
  for (const window of windows) {
    await queue.upsertJobScheduler(
      `${SCHEDULER_PREFIX}${window.name}`,
      { pattern: window.cron, tz: window.timezone },
      {
        name: "open",
        data: { window: window.name },
        opts: { removeOnComplete: { age: KEEP_MS / 1000 }, removeOnFail: { age: KEEP_MS / 1000 } },
      },
    );
    await announce(window);
  }
  const worker = new Worker<WindowJob>(
    UPDATE_WINDOWS_QUEUE,
    async (job) => {
      const window = byName.get(job.data.window);
      if (!window) return "window no longer configured";
      if (job.name === "announce") {
        await announceWindow(options, window, job.data.opensAt ?? nextRun(window, clock.now()));
        return "announced";
      }
      // The scheduler's job id carries the tick's time: one opening, one request id, on any worker.
      const outcome = await openWindow(options, window, String(job.id ?? job.timestamp));
      log.info({ window: window.name, ...outcome }, "maintenance window opened");
      await announce(window);
      return outcome;
    },
    { connection: options.connection, prefix: options.prefix, concurrency: 1 },
  );
  worker.on("error", health.listener("update-windows"));
  worker.on("failed", (job, err) =>
    log.error({ err, window: job?.data.window }, "maintenance window job failed"),
  );
  return {
    async close() {
      await closeWhenSettled(worker);
      await closeWhenSettled(queue);
    },
  };
}
