/**
 * Wires a real BullJobQueue and real workers on the test's Redis prefix, with a recording chat and audit.
 * Every test gets its own prefix and queue, so tests in parallel never see each other's jobs.
 */
import { BullJobQueue } from "../../src/adapters/queue/bull-job-queue.js";
import { bullPrefixFor, connectionFromUrl } from "../../src/adapters/queue/connection.js";
import {
  type JobWorkerHandle,
  type JobWorkerOptions,
  startJobWorker,
} from "../../src/adapters/queue/job-worker.js";
import { createJobRegistry, type JobDefinition } from "../../src/services/jobs/definition.js";
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
  prefix: string;
  startWorker(overrides?: Partial<JobWorkerOptions>): JobWorkerHandle;
  start(type: string, data?: Record<string, unknown>): Promise<JobInfo>;
  close(): Promise<void>;
}

export function harness(
  definitions: JobDefinition[],
  settings: { attempts?: number; backoffMs?: number; progressInterval?: number } = {},
): Harness {
  const keys = testPrefix();
  const prefix = bullPrefixFor(keys.prefix);
  const queueName = "jobs";
  const connection = connectionFromUrl(REDIS_URL);
  const registry = createJobRegistry(definitions);
  const chat = new RecordingNotifier();
  const audit = new RecordingAudit();
  const log = captureLog();
  const clock = { now: () => Date.now() };
  const queue = new BullJobQueue({
    connection,
    prefix,
    queueName,
    notifiers: { console: chat },
    registry,
    attempts: settings.attempts ?? 3,
    backoffMs: settings.backoffMs ?? 100,
    clock,
    log,
    audit,
    pollIntervalMs: 25,
  });
  const workers: JobWorkerHandle[] = [];
  return {
    queue,
    chat,
    audit,
    log,
    prefix,
    startWorker(overrides = {}) {
      const worker = startJobWorker({
        connection,
        prefix,
        queueName,
        registry,
        notifiers: { console: chat },
        audit,
        concurrency: 2,
        progressInterval: settings.progressInterval ?? 100,
        clock,
        log,
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
      await keys.cleanup();
    },
  };
}
