/**
 * A job worker in its own process, for the kill test: it runs the sample job, hangs in the import step
 * and reports on stdout (one JSON object per line) so the parent knows when to SIGKILL it.
 * Environment: REDIS_URL, JOBS_PREFIX (BullMQ prefix), JOBS_QUEUE.
 */
import { connectionFromUrl } from "../../src/adapters/queue/connection.js";
import { startJobWorker } from "../../src/adapters/queue/job-worker.js";
import { createJobRegistry } from "../../src/services/jobs/definition.js";
import type { Notifier } from "../../src/services/ports.js";
import { buildJob, newCalls } from "./sample-job.js";
import { captureLog, REDIS_URL, RecordingAudit } from "./support.js";

const say = (event: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify(event)}\n`);
};

const prefix = process.env.JOBS_PREFIX;
const queueName = process.env.JOBS_QUEUE;
if (!prefix || !queueName) throw new Error("JOBS_PREFIX and JOBS_QUEUE are required");

const definition = buildJob(newCalls(), {
  create: async (ctx) => {
    say({ event: "step", name: "create", state: ctx.state });
  },
  import: async () => {
    say({ event: "step", name: "import" });
    await new Promise(() => {});
  },
});

const chat: Notifier = {
  post: async () => {
    throw new Error("the worker only edits cards");
  },
  update: async (message, reply) => {
    say({ event: "edit", messageId: message.messageId, text: reply.text });
  },
};

startJobWorker({
  connection: connectionFromUrl(REDIS_URL),
  prefix,
  queueName,
  registry: createJobRegistry([definition]),
  notifiers: { console: chat },
  audit: new RecordingAudit(),
  concurrency: 1,
  progressInterval: 50,
  clock: { now: () => Date.now() },
  log: captureLog(),
  // Workers of one deployment share these; BullMQ rate-limits the stalled check queue-wide by the interval.
  lockDurationMs: 1000,
  stalledIntervalMs: 300,
});
say({ event: "ready" });
