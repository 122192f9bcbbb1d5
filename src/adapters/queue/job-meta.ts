/**
 * What BullMQ does not keep for us, stored next to its keys: the job card's identity (so a job removed
 * from the queue by a cancel can still be shown), the runner's persisted position and state, the cancel
 * flag that a front-end sets and a worker polls, and the "final card delivered" marker that
 * `waitUntilFinished` waits for.
 *
 * Keys (under the BullMQ prefix and queue name, in a `chatops` namespace BullMQ never uses):
 * `…:chatops:seq` (id counter), `…:chatops:job:<id>` (hash), `…:chatops:cancelled` (sorted set by time).
 */

import type { CancelFlag, JobFinal, JobPayload } from "../../services/jobs/model.js";
import type { PersistedRun } from "../../services/jobs/runner.js";
import type { RedisClient } from "../store/redis-target.js";

export interface JobMeta {
  payload?: JobPayload;
  run?: PersistedRun;
  cancel?: CancelFlag;
  final?: JobFinal;
}

/** Days a finished job's record is kept; BullMQ's own retention is set to match. */
export const DEFAULT_RETENTION_MS = 7 * 24 * 3_600_000;

/** A MULTI or pipeline reports per-command errors in its result instead of rejecting; surface them. */
async function execOrThrow(batch: { exec(): Promise<[Error | null, unknown][] | null> }): Promise<void> {
  for (const [err] of (await batch.exec()) ?? []) if (err) throw err;
}

function parse<T>(raw: string | null | undefined): T | undefined {
  return raw ? (JSON.parse(raw) as T) : undefined;
}

export class JobMetaStore {
  private readonly base: string;

  constructor(
    private readonly redis: RedisClient,
    bullPrefix: string,
    queueName: string,
    private readonly retentionMs: number = DEFAULT_RETENTION_MS,
  ) {
    this.base = `${bullPrefix}:${queueName}:chatops`;
  }

  private key(id: string): string {
    return `${this.base}:job:${id}`;
  }

  private get ttlSeconds(): number {
    return Math.ceil(this.retentionMs / 1000);
  }

  /** Short ids for chat (`j42`); BullMQ refuses purely numeric custom ids. */
  async nextId(): Promise<string> {
    return `j${await this.redis.incr(`${this.base}:seq`)}`;
  }

  async create(id: string, payload: JobPayload): Promise<void> {
    await execOrThrow(
      this.redis
        .multi()
        .hset(this.key(id), "payload", JSON.stringify(payload))
        .expire(this.key(id), this.ttlSeconds),
    );
  }

  async read(id: string): Promise<JobMeta> {
    return this.decode(await this.redis.hgetall(this.key(id)));
  }

  async readMany(ids: string[]): Promise<JobMeta[]> {
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.key(id));
    const results = (await pipeline.exec()) ?? [];
    return results.map(([err, fields]) => {
      if (err) throw err;
      return this.decode(fields as Record<string, string>);
    });
  }

  private decode(fields: Record<string, string>): JobMeta {
    const meta: JobMeta = {};
    const payload = parse<JobPayload>(fields.payload);
    const run = parse<PersistedRun>(fields.run);
    const cancel = parse<CancelFlag>(fields.cancel);
    const final = parse<JobFinal>(fields.final);
    if (payload) meta.payload = payload;
    if (run) meta.run = run;
    if (cancel) meta.cancel = cancel;
    if (final) meta.final = final;
    return meta;
  }

  async saveRun(id: string, run: PersistedRun): Promise<void> {
    await execOrThrow(
      this.redis.multi().hset(this.key(id), "run", JSON.stringify(run)).expire(this.key(id), this.ttlSeconds),
    );
  }

  /** The first cancel wins; returns false when the job already had a cancel request. */
  async requestCancel(id: string, flag: CancelFlag): Promise<boolean> {
    return (await this.redis.hsetnx(this.key(id), "cancel", JSON.stringify(flag))) === 1;
  }

  async cancelFlag(id: string): Promise<CancelFlag | undefined> {
    return parse<CancelFlag>(await this.redis.hget(this.key(id), "cancel"));
  }

  /**
   * Records the outcome once the final card went out (or could not). Cancelled jobs also enter the
   * cancelled index, which is trimmed to the retention window here.
   */
  async finish(id: string, final: JobFinal): Promise<void> {
    const tx = this.redis
      .multi()
      .hset(this.key(id), "final", JSON.stringify(final))
      .expire(this.key(id), this.ttlSeconds);
    if (final.outcome === "cancelled") {
      tx.zadd(`${this.base}:cancelled`, final.finishedAt, id).zremrangebyscore(
        `${this.base}:cancelled`,
        "-inf",
        `(${final.finishedAt - this.retentionMs}`,
      );
    }
    await execOrThrow(tx);
  }

  /** Newest first. */
  async cancelledIds(limit: number): Promise<string[]> {
    return this.redis.zrevrange(`${this.base}:cancelled`, 0, limit - 1);
  }

  async cancelledCount(now: number): Promise<number> {
    return this.redis.zcount(`${this.base}:cancelled`, now - this.retentionMs, "+inf");
  }
}
