/**
 * Counting semaphores in RedisClient with leases. Each key is a sorted set of holders scored by lease expiry
 * (RedisClient server time, so clocks of different machines do not matter). Acquiring drops expired holders
 * and adds this one if fewer than `limit` remain, in one script; holders renew their lease at a third of
 * its length. Waiters poll (default every 50 ms) and queue: a free slot goes to the waiters that came
 * first, so a job that releases and takes slots in a loop (a `vm create --count` working through its VMs)
 * cannot starve another job waiting for the same key. A waiter that stops polling (its process died)
 * leaves the queue after `waitTtl`, and one that gives up (abort) leaves it at once.
 */

import type { Lease, Semaphore } from "../../services/locks/ports.js";
import { guarded } from "./redis.js";
import type { RedisClient } from "./redis-target.js";

// KEYS: holders, queue (waiter → arrival), seen (waiter → when it is dropped unless it polls again).
// ARGV: holder, limit, leaseMs, waitTtlMs.
const ACQUIRE_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
for _, gone in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now)) do
  redis.call('ZREM', KEYS[2], gone)
  redis.call('ZREM', KEYS[3], gone)
end
local free = tonumber(ARGV[2]) - redis.call('ZCARD', KEYS[1])
local ahead = redis.call('ZRANK', KEYS[2], ARGV[1]) or redis.call('ZCARD', KEYS[2])
if redis.call('ZSCORE', KEYS[1], ARGV[1]) or ahead < free then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]) * 2)
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('ZREM', KEYS[3], ARGV[1])
  return 1
end
redis.call('ZADD', KEYS[2], 'NX', now, ARGV[1])
redis.call('ZADD', KEYS[3], now + tonumber(ARGV[4]), ARGV[1])
redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[4]) * 2)
redis.call('PEXPIRE', KEYS[3], tonumber(ARGV[4]) * 2)
return 0`;

const RENEW_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 2)
  return 1
end
return 0`;

// Drops the holder, and with it any holder whose lease ran out (a killed worker's), so a key does not
// keep a dead holder until the next acquire sweeps it.
const RELEASE_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return 1`;

export interface RedisSemaphoreOptions {
  prefix: string;
  pollMs?: number;
  defaultLeaseMs?: number;
}

export class RedisSemaphore implements Semaphore {
  private readonly pollMs: number;
  private readonly defaultLeaseMs: number;

  constructor(
    private readonly redis: RedisClient,
    private readonly options: RedisSemaphoreOptions,
  ) {
    this.pollMs = options.pollMs ?? 50;
    this.defaultLeaseMs = options.defaultLeaseMs ?? 60_000;
  }

  /** Current holders (unexpired or not yet swept); for tests and diagnostics. */
  async holders(key: string): Promise<string[]> {
    return guarded(() => this.redis.zrange(`${this.options.prefix}sem:${key}`, 0, -1));
  }

  async acquire(
    key: string,
    limit: number,
    options: { owner: string; leaseMs?: number; signal?: AbortSignal },
  ): Promise<Lease> {
    const redisKey = `${this.options.prefix}sem:${key}`;
    const leaseMs = options.leaseMs ?? this.defaultLeaseMs;
    // A holder id unique per acquisition, so one owner can hold slots of several keys independently.
    const holder = `${options.owner}#${Math.random().toString(36).slice(2, 10)}`;
    const queueKey = `${redisKey}:queue`;
    const seenKey = `${redisKey}:seen`;
    // Long enough that a slow poll (a busy event loop) does not lose the waiter its place.
    const waitTtlMs = Math.max(2000, this.pollMs * 20);
    try {
      for (;;) {
        options.signal?.throwIfAborted();
        const got = await guarded(() =>
          this.redis.eval(ACQUIRE_LUA, 3, redisKey, queueKey, seenKey, holder, limit, leaseMs, waitTtlMs),
        );
        if (got === 1) break;
        await new Promise<void>((resolve) => setTimeout(resolve, this.pollMs));
      }
    } catch (err) {
      // Leave the queue so the waiters behind do not wait for this one's entry to expire.
      await this.redis
        .multi()
        .zrem(queueKey, holder)
        .zrem(seenKey, holder)
        .exec()
        .catch(() => undefined);
      throw err;
    }
    const timer = setInterval(
      () => {
        this.redis.eval(RENEW_LUA, 1, redisKey, holder, leaseMs).catch(() => undefined);
      },
      Math.max(10, Math.floor(leaseMs / 3)),
    );
    timer.unref();
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        clearInterval(timer);
        await guarded(() => this.redis.eval(RELEASE_LUA, 1, redisKey, holder));
      },
    };
  }
}
