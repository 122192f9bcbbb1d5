/**
 * The front-end half of the job queue on BullMQ: enqueues the job (the jobs service posts its card),
 * answers status questions and cancels. It never runs steps; a worker (`startJobWorker`), possibly in
 * another process, does that. Both halves meet only in Redis.
 */
import { type Job, Queue } from "bullmq";
import { JobBookkeeping } from "../../services/jobs/bookkeeping.js";
import { type JobRegistry, resolveJob } from "../../services/jobs/definition.js";
import type {
  CancelResult,
  JobInfo,
  JobPayload,
  JobState,
  StartJobRequest,
} from "../../services/jobs/model.js";
import { realTimers, sleep, type Timers } from "../../services/jobs/progress.js";
import type { AuditLog, Clock, JobQueue, Log, NotifierByPlatform } from "../../services/ports.js";
import type { Actor } from "../../services/vocabulary/identity.js";
import type { RedisHealth } from "../store/redis-health.js";
import type { RedisClient } from "../store/redis-target.js";
import { closeWhenSettled, healthFor, openClient, type QueueConnection } from "./connection.js";
import { BULL_STATES, toJobInfo } from "./job-info.js";
import { DEFAULT_RETENTION_MS, type JobMeta, JobMetaStore } from "./job-meta.js";

export interface BullJobQueueOptions {
  connection: QueueConnection;
  /** BullMQ key prefix without a trailing colon; see `bullPrefixFor`. */
  prefix: string;
  queueName: string;
  notifiers: NotifierByPlatform;
  registry: JobRegistry;
  /** Tries per job; only transient failures use more than one. */
  attempts: number;
  /** First retry delay; BullMQ doubles it for each further try. */
  backoffMs: number;
  clock: Clock;
  log: Log;
  /** Receives a record when a waiting job is cancelled (the worker records every other outcome). */
  audit?: AuditLog;
  retentionMs?: number;
  /** How often `waitUntilFinished` looks at the job. */
  pollIntervalMs?: number;
  timers?: Timers;
  /** Logs Redis outages once for every connection of the process (see store/redis-health.ts). */
  redisHealth?: RedisHealth;
}

export type JobCounts = Record<JobState, number>;

const NAME = /^[A-Za-z0-9_.-]+$/;
/** Ids come from chat; anything else could name one of BullMQ's own keys (`wait`, `meta`, …). */
const JOB_ID = /^j\d{1,15}$/;
const FINISHED = new Set<JobState>(["completed", "failed", "cancelled"]);
const DEFAULT_LIST_LIMIT = 20;
const MAX_LIST_LIMIT = 100;

export class BullJobQueue implements JobQueue {
  private readonly queue: Queue<JobPayload>;
  private readonly redis: RedisClient;
  private readonly ownsRedis: boolean;
  private readonly meta: JobMetaStore;
  private readonly bookkeeping: JobBookkeeping;
  private readonly timers: Timers;
  private readonly retentionMs: number;

  constructor(private readonly options: BullJobQueueOptions) {
    if (!NAME.test(options.queueName)) throw new Error("queueName may hold only letters, digits, _ . -");
    if (!NAME.test(options.prefix.replace(/[:{}]/g, "_")))
      throw new Error("prefix may hold only letters, digits, _ . - : and a {hash tag}");
    if (options.prefix.endsWith(":")) throw new Error("prefix must not end with a colon; BullMQ adds one");
    if (!Number.isInteger(options.attempts) || options.attempts < 1)
      throw new Error("attempts must be an integer ≥ 1");
    if (!(options.backoffMs >= 0)) throw new Error("backoffMs must be ≥ 0");
    this.retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
    this.timers = options.timers ?? realTimers;
    this.queue = new Queue<JobPayload>(options.queueName, {
      connection: options.connection,
      prefix: options.prefix,
    });
    const health = healthFor(options.redisHealth, options.log);
    this.queue.on("error", health.listener("jobs"));
    const { client, owned } = openClient(options.connection, "jobs", health);
    this.redis = client;
    this.ownsRedis = owned;
    this.meta = new JobMetaStore(client, options.prefix, options.queueName, this.retentionMs);
    this.bookkeeping = new JobBookkeeping({
      notifiers: options.notifiers,
      records: this.meta,
      ...(options.audit ? { audit: options.audit } : {}),
      clock: options.clock,
      log: options.log,
    });
  }

  async start(request: StartJobRequest): Promise<JobInfo> {
    const { definition, data } = resolveJob(this.options.registry, request.type, request.data);
    const title = definition.title(data);
    const { id, card, message } = await this.bookkeeping.openCard(request, title, () => this.meta.nextId());
    const payload: JobPayload = {
      type: definition.type,
      data,
      title,
      requestedBy: request.requestedBy,
      conversation: request.conversation,
      message,
      requestId: request.requestId,
      createdAt: this.options.clock.now(),
    };
    try {
      await this.meta.create(id, payload);
      const keepFor = { age: Math.ceil(this.retentionMs / 1000) };
      await this.queue.add(definition.type, payload, {
        jobId: id,
        attempts: this.options.attempts,
        backoff: { type: "exponential", delay: this.options.backoffMs },
        removeOnComplete: keepFor,
        removeOnFail: keepFor,
      });
    } catch (err) {
      this.options.log.error({ err, jobId: id }, "could not enqueue job");
      await this.bookkeeping.enqueueFailed(card, message, request.requestId);
      throw err;
    }
    return {
      id,
      type: payload.type,
      title,
      state: "waiting",
      requestedBy: payload.requestedBy,
      conversation: payload.conversation,
      message,
      createdAt: payload.createdAt,
      attempts: 0,
    };
  }

  async get(id: string): Promise<JobInfo | undefined> {
    if (!JOB_ID.test(id)) return undefined;
    const [job, meta] = await Promise.all([this.queue.getJob(id), this.meta.read(id)]);
    const state = job ? await job.getState() : undefined;
    return toJobInfo(id, meta, job, state);
  }

  async list(filter: { state?: JobState; limit?: number }): Promise<JobInfo[]> {
    const limit = Math.min(MAX_LIST_LIMIT, Math.max(1, Math.floor(filter.limit ?? DEFAULT_LIST_LIMIT)));
    const ids: string[] = [];
    if (filter.state === undefined || filter.state === "cancelled")
      ids.push(...(await this.meta.cancelledIds(limit)));
    if (filter.state !== "cancelled") {
      const types = filter.state ? BULL_STATES[filter.state] : Object.values(BULL_STATES).flat();
      const jobs = await this.queue.getJobs(types as Parameters<Queue["getJobs"]>[0], 0, limit - 1, false);
      for (const job of jobs) if (job?.id) ids.push(job.id);
    }
    const infos = await Promise.all([...new Set(ids)].map((id) => this.get(id)));
    return infos
      .filter((info): info is JobInfo => info !== undefined && (!filter.state || info.state === filter.state))
      .sort((a, b) => b.createdAt - a.createdAt)
      .slice(0, limit);
  }

  /** Job numbers per state, for the metrics gauge. */
  async counts(): Promise<JobCounts> {
    const raw = await this.queue.getJobCounts(
      ...(Object.values(BULL_STATES).flat() as Parameters<Queue["getJobCounts"]>),
    );
    const sum = (state: keyof typeof BULL_STATES) =>
      BULL_STATES[state].reduce((n, s) => n + (raw[s] ?? 0), 0);
    return {
      waiting: sum("waiting"),
      delayed: sum("delayed"),
      active: sum("active"),
      completed: sum("completed"),
      failed: sum("failed"),
      cancelled: await this.meta.cancelledCount(this.options.clock.now()),
    };
  }

  async cancel(id: string, by: Actor): Promise<CancelResult> {
    if (!JOB_ID.test(id)) return "not-found";
    const [job, meta] = await Promise.all([this.queue.getJob(id), this.meta.read(id)]);
    if (meta.final) return "already-finished";
    if (!job) return "not-found";
    const state = await job.getState();
    if (state === "completed" || state === "failed") return "already-finished";
    const startedBefore =
      meta.run !== undefined && (meta.run.nextStep > 0 || Object.keys(meta.run.state).length > 0);
    if (!startedBefore && (state === "waiting" || state === "delayed" || state === "prioritized")) {
      if (await this.removeWaiting(job, meta, by)) return "cancelled";
    }
    // Running, or ran before and may have created something: the worker stops it and cleans up.
    await this.meta.requestCancel(id, { by, at: this.options.clock.now() });
    if ((await job.getState()) === "delayed") {
      await job
        .promote()
        .catch((err: unknown) => this.options.log.debug({ err, jobId: id }, "promote after cancel"));
    }
    return "cancelled";
  }

  /** Removes a job no worker has touched; false when a worker took it first (BullMQ refuses locked jobs). */
  private async removeWaiting(job: Job<JobPayload>, meta: JobMeta, by: Actor): Promise<boolean> {
    try {
      await job.remove();
    } catch (err) {
      this.options.log.debug({ err, jobId: job.id }, "job became active while being cancelled");
      return false;
    }
    const payload = job.data ?? meta.payload;
    if (payload) await this.bookkeeping.cancelledBeforeStart(job.id!, payload, by);
    return true;
  }

  async waitUntilFinished(id: string, timeoutMs = 60_000): Promise<JobInfo | undefined> {
    const deadline = this.options.clock.now() + timeoutMs;
    const interval = this.options.pollIntervalMs ?? 100;
    for (;;) {
      const [info, meta] = await Promise.all([this.get(id), this.meta.read(id)]);
      if (!info) return undefined;
      if (FINISHED.has(info.state) && meta.final) return info;
      if (this.options.clock.now() >= deadline) return info;
      await sleep(this.timers, interval);
    }
  }

  async close(): Promise<void> {
    await closeWhenSettled(this.queue);
    if (this.ownsRedis) await this.redis.quit();
  }
}
