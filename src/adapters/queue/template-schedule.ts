/**
 * The scheduled template refresh: a BullMQ job scheduler whose ticks start an ordinary refresh job.
 */
import { Queue, Worker } from "bullmq";
import { schedulerActor } from "../../services/approvals/scheduler.js";
import { startJob } from "../../services/jobs/start.js";
import type { JobQueue, Log } from "../../services/ports.js";
import { TEMPLATE_MATRIX_JOB } from "../../services/templates/build/matrix-job.js";
import type { Platform } from "../../services/vocabulary/identity.js";
import type { RedisHealth } from "../store/redis-health.js";
import { closeWhenSettled, healthFor, type QueueConnection } from "./connection.js";

/** BullMQ queue of the template refresh schedule; its jobs only start the real refresh job. */
export const TEMPLATE_SCHEDULE_QUEUE = "template-schedule";

export interface TemplateScheduleOptions {
  connection: QueueConnection;
  prefix: string;
  /** A cron pattern (config) or a fixed interval (tests); absent: remove a schedule registered earlier. */
  repeat?: { pattern: string; tz?: string } | { every: number };
  /** `<platform>:<channel id>`, where the refresh summary is posted. */
  channel: string;
  jobs: JobQueue;
  log: Log;
  /** Logs Redis outages once for every connection of the process (see store/redis-health.ts). */
  redisHealth?: RedisHealth;
}

/**
 * Runs `template refresh --all` on the configured schedule. BullMQ's job scheduler (one per deployment,
 * upserted by every worker process, so changing the cron in config takes effect at the next start, and
 * removed when the config has no schedule) hands each tick to exactly one worker, which starts the refresh
 * as an ordinary job posting its card and summary table into the channel.
 */
export async function startTemplateSchedule(
  options: TemplateScheduleOptions,
): Promise<{ close(): Promise<void> }> {
  const [platform, channelId] = options.channel.split(":") as [string, string];
  const conversation = { platform: platform as Platform, channelId };
  const health = healthFor(options.redisHealth, options.log);
  const queue = new Queue(TEMPLATE_SCHEDULE_QUEUE, {
    connection: options.connection,
    prefix: options.prefix,
  });
  queue.on("error", health.listener("template-schedule"));
  const repeat = options.repeat;
  if (!repeat) {
    await queue.removeJobScheduler("template-refresh");
    await queue.close();
    return { close: async () => {} };
  }
  await queue.upsertJobScheduler("template-refresh", repeat, { name: "template-refresh", data: {} });
  const worker = new Worker(
    TEMPLATE_SCHEDULE_QUEUE,
    async (job) => {
      const info = await startJob(
        options.jobs,
        TEMPLATE_MATRIX_JOB,
        {
          title: "Scheduled refresh of all templates",
          conversation,
          refresh: { distros: [], all: true, requestedBy: "schedule" },
        },
        {
          requestedBy: schedulerActor(conversation.platform),
          conversation,
          requestId: `schedule-${job.id ?? "tick"}`,
        },
      );
      options.log.info({ jobId: info.id }, "scheduled template refresh started");
      return info.id;
    },
    { connection: options.connection, prefix: options.prefix, concurrency: 1 },
  );
  worker.on("error", health.listener("template-schedule"));
  worker.on("failed", (_job, err) =>
    options.log.error({ err }, "scheduled template refresh could not start"),
  );
  return {
    async close() {
      await closeWhenSettled(worker);
      await closeWhenSettled(queue);
    },
  };
}
