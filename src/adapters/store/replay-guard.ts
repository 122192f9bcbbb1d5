/**
 * "Seen once" claims in RedisClient, for replay protection of signed requests (see slack/replays.ts): SET NX
 * with a TTL, under the deployment prefix. Uses its own fail-fast connection, reporting outages to the
 * process's Redis monitor.
 */

import type { Log } from "../../services/ports.js";
import { createRedis, guarded, waitUntilReady } from "./redis.js";
import type { RedisHealth } from "./redis-health.js";
import type { RedisClient } from "./redis-target.js";

export class RedisReplayGuard {
  private constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly owned: boolean,
  ) {}

  /** A guard on a connection of its own, closed by `close()`. */
  static connect(url: string, prefix: string, options: { log: Log; health?: RedisHealth }): RedisReplayGuard {
    const redis = createRedis(url, {
      log: options.log,
      name: "replay-guard",
      commandTimeoutMs: 1000,
      ...(options.health ? { health: options.health } : {}),
    });
    return new RedisReplayGuard(redis, prefix, true);
  }

  /** A guard on a connection the caller owns (tests, or a process sharing its store connection). */
  static on(redis: RedisClient, prefix: string): RedisReplayGuard {
    return new RedisReplayGuard(redis, prefix, false);
  }

  async claim(key: string, ttlMs: number): Promise<boolean> {
    if (!Number.isInteger(ttlMs) || ttlMs < 1) throw new TypeError("ttlMs must be a positive whole number");
    // The first request after start may come before the connection is up: wait briefly, not for ever.
    await waitUntilReady(this.redis, 1000);
    const set = await guarded(() => this.redis.set(`${this.prefix}${key}`, "1", "PX", ttlMs, "NX"));
    return set === "OK";
  }

  /** Gives a claim back, so a sender's retry of a call that could not be handled is not taken for a replay. */
  async release(key: string): Promise<void> {
    await guarded(() => this.redis.del(`${this.prefix}${key}`));
  }

  async close(): Promise<void> {
    if (this.owned) this.redis.disconnect();
  }
}
