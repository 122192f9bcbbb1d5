/**
 * The worker half of the job queue: a BullMQ Worker whose processor is the step runner. It can run in
 * the bot process or on its own machine; it needs only Redis, the registry and the notifiers.
 *
 * Failure handling: a transient step error with tries left is rethrown so BullMQ retries it with its
 * backoff; the runner's final failures become `UnrecoverableError` so BullMQ does not retry them. A
 * killed worker's job is found by BullMQ's stalled-job check and runs again from the persisted step;
 * when BullMQ gives up on a job by itself (stalled too often, an error outside the steps), the `failed`
 * event cleans up from the persisted state and delivers the failed card, so nothing ends without a card
 * and an audit record.
 */
import { hostname } from "node:os";
import { pid } from "node:process";
import { Backoffs, type Job, UnrecoverableError, Worker } from "bullmq";
import { UserError } from "../../services/errors.js";
import { JobBookkeeping } from "../../services/jobs/bookkeeping.js";
import { type JobRegistry, resolveJob } from "../../services/jobs/definition.js";
import { describeFailure } from "../../services/jobs/failure.js";
import type { JobPayload } from "../../services/jobs/model.js";
import { notifierFor, realTimers, ThrottledMessage, type Timers } from "../../services/jobs/progress.js";
import { stepLine } from "../../services/jobs/render.js";
import {
  finalizeAbandoned,
  initialRun,
  type JobOutcome,
  type RunJobOptions,
  runJob,
} from "../../services/jobs/runner.js";
import type { AuditLog, Clock, Log, Notifier, NotifierByPlatform } from "../../services/ports.js";
import type { RedisHealth } from "../store/redis-health.js";
import { closeWhenSettled, healthFor, openClient, type QueueConnection } from "./connection.js";
import { DEFAULT_RETENTION_MS, JobMetaStore } from "./job-meta.js";

export interface JobWorkerOptions {
  connection: QueueConnection;
  prefix: string;
  queueName: string;
  registry: JobRegistry;
  notifiers: NotifierByPlatform;
  audit: AuditLog;
  concurrency: number;
  /** At most one card edit per interval per job. */
  progressInterval: number;
  clock: Clock;
  log: Log;
  /** How often a running job looks for a cancel request besides between steps. Default 500 ms. */
  cancelPollMs?: number;
  retentionMs?: number;
  timers?: Timers;
  /** BullMQ lock and stalled-check settings; the defaults (30 s) suit production. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  maxStalledCount?: number;
  /** Logs Redis outages once for every connection of the process (see store/redis-health.ts). */
  redisHealth?: RedisHealth;
}

export interface JobWorkerHandle {
  /** Stops taking jobs, waits for running ones and for pending final cards. */
  close(): Promise<void>;
}

/**
 * The delay before the retry that follows try `attempt`, computed by BullMQ's own built-in strategy, so
 * the card says what the queue will do. The bot registers no custom strategy; a type BullMQ does not know
 * would fail the retry itself, and is refused here the same way.
 */
export function retryDelay(backoff: Job["opts"]["backoff"], attempt: number): number {
  const options = backoff === undefined ? undefined : Backoffs.normalize(backoff);
  if (!options) return 0;
  const strategy = Backoffs.builtinStrategies[options.type];
  if (!strategy) throw new Error(`unknown backoff strategy ${JSON.stringify(options.type)}`);
  const delay = strategy(options.delay ?? 0, options.jitter)(attempt, options.type);
  if (typeof delay !== "number") throw new Error("built-in backoff strategies answer synchronously");
  return delay;
}

/** BullMQ's own give-up reasons are safe and worth showing; other errors stay internal on the card. */
function abandonReason(error: Error): Error {
  if (/(stalled|started) more than allowable limit/.test(error.message)) {
    return new UserError(
      "E_JOB",
      "the worker running this job stopped responding too many times; the job was given up",
    );
  }
  return error;
}

export function startJobWorker(options: JobWorkerOptions): JobWorkerHandle {
  const timers = options.timers ?? realTimers;
  const health = healthFor(options.redisHealth, options.log);
  const { client, owned } = openClient(options.connection, "job-worker", health);
  const store = new JobMetaStore(
    client,
    options.prefix,
    options.queueName,
    options.retentionMs ?? DEFAULT_RETENTION_MS,
  );
  const bookkeeping = new JobBookkeeping({
    notifiers: options.notifiers,
    records: store,
    audit: options.audit,
    clock: options.clock,
    log: options.log,
  });
  const pending = new Set<Promise<unknown>>();
  const track = (work: Promise<unknown>) => {
    pending.add(work);
    void work.finally(() => pending.delete(work));
  };

  async function record(job: Job<JobPayload>, outcome: JobOutcome, attempts: number): Promise<void> {
    await bookkeeping.recordOutcome(job.id!, job.data, outcome, attempts);
  }

  /** The runner's inputs for one job; shared by a normal run and by the abandoned-job path. */
  async function prepare(job: Job<JobPayload>, signal: AbortSignal): Promise<RunJobOptions> {
    const payload = job.data;
    const id = job.id!;
    const log = options.log.child({ jobId: id, jobType: payload.type });
    let resolved: ReturnType<typeof resolveJob>;
    let notifier: Notifier;
    try {
      resolved = resolveJob(options.registry, payload.type, payload.data);
      notifier = notifierFor(options.notifiers, payload.message.platform);
    } catch (err) {
      // Another try in this worker would meet the same missing definition, bad data or missing notifier.
      throw new UnrecoverableError(err instanceof Error ? err.message : String(err));
    }
    const meta = await store.read(id);
    const attempt = job.attemptsMade + 1;
    return {
      definition: resolved.definition,
      card: { jobId: id, title: payload.title, requestedBy: payload.requestedBy },
      data: resolved.data,
      requestId: payload.requestId,
      attempt,
      maxAttempts: job.opts.attempts ?? 1,
      retryDelayMs: (n) => retryDelay(job.opts.backoff, n),
      run: meta.run ?? initialRun(),
      persist: (run) => store.saveRun(id, run),
      cancelRequest: async () => {
        const flag = await store.cancelFlag(id);
        return flag ? { by: flag.by } : undefined;
      },
      signal,
      sink: new ThrottledMessage({
        notifier,
        message: payload.message,
        intervalMs: options.progressInterval,
        clock: options.clock,
        log,
        timers,
      }),
      onStep: (step) => job.updateProgress({ fraction: step.index / step.count, step: stepLine(step) }),
      clock: options.clock,
      log,
    };
  }

  /** Aborts `controller` when a cancel request appears; returns the function that stops watching. */
  function watchCancel(id: string, controller: AbortController): () => void {
    let handle: unknown;
    let stopped = false;
    const tick = () => {
      handle = timers.setTimeout(() => {
        store.cancelFlag(id).then(
          (flag) => {
            if (stopped) return;
            if (flag) controller.abort(new Error(`cancelled by ${flag.by.name}`));
            else tick();
          },
          (err: unknown) => {
            options.log.warn({ err, jobId: id }, "cancel check failed");
            if (!stopped) tick();
          },
        );
      }, options.cancelPollMs ?? 500);
    };
    tick();
    return () => {
      stopped = true;
      timers.clearTimeout(handle);
    };
  }

  async function process(job: Job<JobPayload>, _token?: string, bullSignal?: AbortSignal) {
    const id = job.id!;
    const done = (await store.read(id)).final;
    // A worker that died after delivering the final card but before BullMQ recorded it: nothing to redo.
    if (done?.outcome === "failed") throw new UnrecoverableError(done.error ?? "failed");
    if (done) return { outcome: done.outcome };
    const controller = new AbortController();
    bullSignal?.addEventListener("abort", () => controller.abort(bullSignal.reason), { once: true });
    const stopWatching = watchCancel(id, controller);
    try {
      const outcome = await runJob(await prepare(job, controller.signal));
      await record(job, outcome, job.attemptsMade + 1);
      if (outcome.kind === "failed") throw new UnrecoverableError(outcome.failure.message);
      return { outcome: outcome.kind };
    } finally {
      stopWatching();
    }
  }

  /** BullMQ failed the job for good without a final card from the runner. */
  async function finalizeIfAbandoned(job: Job<JobPayload>, error: Error): Promise<void> {
    const id = job.id!;
    if ((await job.getState()) !== "failed" || (await store.read(id)).final) return;
    const attempts = Math.max(job.attemptsMade, 1);
    let outcome: JobOutcome;
    try {
      const runOptions = await prepare(job, new AbortController().signal);
      outcome = await finalizeAbandoned({ ...runOptions, error: abandonReason(error), attempts });
    } catch (err) {
      // No definition or no notifier here: report what we can without a cleanup.
      options.log.error({ err, jobId: id }, "job failed and could not be cleaned up by this worker");
      const failure =
        error instanceof UnrecoverableError
          ? { code: "E_JOB", message: error.message, taskLog: [], shown: true }
          : describeFailure(abandonReason(error), job.data.requestId);
      outcome = await bookkeeping.failedWithoutCleanup(id, job.data, failure, attempts);
    }
    await record(job, outcome, attempts);
  }

  const worker = new Worker<JobPayload>(options.queueName, process, {
    // BullMQ records it on each job it takes (`processedBy`): which process ran a job, for operators and e2e:scale.
    name: `${hostname()}:${pid}`,
    connection: options.connection,
    prefix: options.prefix,
    concurrency: options.concurrency,
    ...(options.lockDurationMs !== undefined ? { lockDuration: options.lockDurationMs } : {}),
    ...(options.stalledIntervalMs !== undefined ? { stalledInterval: options.stalledIntervalMs } : {}),
    ...(options.maxStalledCount !== undefined ? { maxStalledCount: options.maxStalledCount } : {}),
  });
  worker.on("error", health.listener("job-worker"));
  worker.on("failed", (job, err) => {
    if (!job) return;
    track(
      finalizeIfAbandoned(job, err).catch((e: unknown) =>
        options.log.error({ err: e, jobId: job.id }, "finalizing a failed job failed"),
      ),
    );
  });
  // Cancelled jobs leave BullMQ's completed set so its counts and lists hold only real completions.
  worker.on("completed", (job, result: { outcome?: string } | undefined) => {
    if (result?.outcome !== "cancelled") return;
    track(
      job
        .remove()
        .catch((err: unknown) => options.log.warn({ err, jobId: job.id }, "removing a cancelled job failed")),
    );
  });

  return {
    async close() {
      await closeWhenSettled(worker);
      await Promise.allSettled([...pending]);
      if (owned) await client.quit();
    },
  };
}
