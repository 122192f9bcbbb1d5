/**
 * Wires a real BullJobQueue and real workers on the test's Redis prefix, with a recording chat and audit.
 * Every test gets its own prefix and queue, so tests in parallel never see each other's jobs.
 */
import type { BullJobQueue } from "../../src/adapters/queue/bull-job-queue.js";
import type { JobWorkerHandle, JobWorkerOptions } from "../../src/adapters/queue/job-worker.js";
import {
  createJobQueue,
  jobsSettings,
  releaseJobsConnection,
  startWorker,
} from "../../src/bot/compose/jobs.js";
import type { JobDefinition } from "../../src/services/jobs/definition.js";
import type { JobInfo } from "../../src/services/jobs/model.js";
import type { Actor } from "../../src/services/vocabulary/identity.js";
import { captureLog, REDIS_URL, RecordingAudit, RecordingNotifier, testPrefix } from "./support.js";

export const alice: Actor = { platform: "console", id: "alice", name: "Alice", groups: [] };
export const bob: Actor = { platform: "console", id: "bob", name: "Bob", groups: [] };
export const conversation = { platform: "console" as const, channelId: "ops" };

export interface Harness {
  queue: BullJobQueue;
  chat: RecordingNotifier;
  audit: RecordingAudit;
  log: ReturnType<typeof captureLog>;
  /** BullMQ's key prefix. */
  prefix: string;
  /** The deployment prefix BullMQ's keys live under; a worker in another process is wired from it. */
  keyPrefix: string;
  startWorker(overrides?: Partial<JobWorkerOptions>): JobWorkerHandle;
  start(type: string, data?: Record<string, unknown>): Promise<JobInfo>;
  close(): Promise<void>;
}

export function harness(
  definitions: JobDefinition[],
  settings: {
    attempts?: number;
    backoffMs?: number;
    progressInterval?: number;
    /** A deployment prefix the caller owns (and cleans up); a fresh one otherwise. */
    keyPrefix?: string;
    /** Another Redis than the test default (a Cluster or Sentinel URL). */
    redisUrl?: string;
  } = {},
): Harness {
  const keys = settings.keyPrefix ? { prefix: settings.keyPrefix, cleanup: async () => {} } : testPrefix();
  const chat = new RecordingNotifier();
  const audit = new RecordingAudit();
  const log = captureLog();
  const jobs = jobsSettings({
    redisUrl: settings.redisUrl ?? REDIS_URL,
    keyPrefix: keys.prefix,
    definitions,
    notifiers: { console: chat },
    clock: { now: () => Date.now() },
    log,
  });
  const queue = createJobQueue(jobs, {
    attempts: settings.attempts ?? 3,
    backoffMs: settings.backoffMs ?? 100,
    audit,
    pollIntervalMs: 25,
  });
  const workers: JobWorkerHandle[] = [];
  return {
    queue,
    chat,
    audit,
    log,
    prefix: jobs.prefix,
    keyPrefix: keys.prefix,
    startWorker(overrides = {}) {
      const worker = startWorker(jobs, {
        audit,
        concurrency: 2,
        progressInterval: settings.progressInterval ?? 100,
        cancelPollMs: 25,
        ...overrides,
      });
      workers.push(worker);
      return worker;
    },
    start(type, data = {}) {
      return queue.start({ type, data, requestedBy: alice, conversation, requestId: `req-${type}` });
    },
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      await queue.close();
      await releaseJobsConnection(jobs);
      await keys.cleanup();
    },
  };
}
