/**
 * A job worker in its own process, for the kill test: it runs the sample job, hangs in the import step
 * and reports on stdout (one JSON object per line) so the parent knows when to SIGKILL it.
 * Environment: REDIS_URL, KEY_PREFIX (the deployment prefix the parent's queue uses).
 */
import { jobsSettings, startWorker } from "../../src/bot/compose/jobs.js";
import type { Notifier } from "../../src/services/ports.js";
import { buildJob, newCalls } from "./sample-job.js";
import { captureLog, REDIS_URL, RecordingAudit } from "./support.js";

const say = (event: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify(event)}\n`);
};

const keyPrefix = process.env.KEY_PREFIX;
if (!keyPrefix) throw new Error("KEY_PREFIX is required");

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

const settings = jobsSettings({
  redisUrl: REDIS_URL,
  keyPrefix,
  definitions: [definition],
  notifiers: { console: chat },
  clock: { now: () => Date.now() },
  log: captureLog(),
});
startWorker(settings, {
  audit: new RecordingAudit(),
  concurrency: 1,
  progressInterval: 50,
  // Workers of one deployment share these; BullMQ rate-limits the stalled check queue-wide by the interval.
  lockDurationMs: 1000,
  stalledIntervalMs: 300,
});
say({ event: "ready" });
