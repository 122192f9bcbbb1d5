/**
 * Connection settings for the job queue. BullMQ needs a connection that waits for Redis instead of
 * failing fast (`maxRetriesPerRequest: null` on its blocking worker connection), so the queue does not
 * share the fail-fast store connection; it gets its own from the same URL.
 */
import { Redis, type RedisOptions } from "ioredis";
import type { Log } from "../../services/ports.js";
import { VERIFIED_TLS } from "../store/redis.js";
import { RedisHealth } from "../store/redis-health.js";

/** ioredis options, or a client the caller owns (it is then shared and never closed by the queue). */
export type QueueConnection = RedisOptions | Redis;

/** The BullMQ key prefix for a deployment prefix: `pvebot:` → `pvebot:bull`. BullMQ adds its own colon. */
export function bullPrefixFor(redisPrefix: string): string {
  return `${redisPrefix.replace(/:+$/, "")}:bull`;
}

/** Parses `redis://[user:password@]host[:port][/db]` or `rediss://…` (TLS) into ioredis options. */
export function connectionFromUrl(url: string): RedisOptions {
  const parsed = new URL(url);
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") {
    throw new Error("a Redis URL must start with redis:// or rediss://");
  }
  const db = parsed.pathname.replace(/^\//, "");
  if (db !== "" && !/^\d+$/.test(db)) throw new Error("the Redis database in the URL path must be a number");
  return {
    host: parsed.hostname || "127.0.0.1",
    port: parsed.port ? Number(parsed.port) : 6379,
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(db !== "" ? { db: Number(db) } : {}),
    ...(parsed.protocol === "rediss:" ? { tls: VERIFIED_TLS } : {}),
  };
}

/**
 * A client for the queue's own bookkeeping keys; `owned` says whether `close` should quit it. A client made
 * here is watched by `health` (an ioredis client without an error listener prints stack traces to stderr).
 */
export function openClient(
  connection: QueueConnection,
  name: string,
  health: RedisHealth,
): { client: Redis; owned: boolean } {
  if (connection instanceof Redis) return { client: connection, owned: false };
  const client = new Redis({ ...connection, connectionName: `proxmox-chatops:${name}` });
  return { client: health.watch(client, name), owned: true };
}

/** The process's monitor when the caller shares one, else one of the component's own. */
export function healthFor(shared: RedisHealth | undefined, log: Log): RedisHealth {
  return shared ?? new RedisHealth({ log });
}

/**
 * Closes a BullMQ queue or worker once its connection has finished starting, waiting at most `maxWaitMs`.
 * BullMQ drops its connection's error listeners on close, while a start still in flight reports its
 * failure to them later: closing too early turns that report into an uncaught "Connection is closed" that
 * ends the process with a stack trace (seen when a start fails fast, e.g. a refused chat token).
 */
export async function closeWhenSettled(
  closable: { waitUntilReady(): Promise<unknown>; close(): Promise<void> },
  maxWaitMs = 2000,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const bounded = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, maxWaitMs);
  });
  try {
    await Promise.race([
      closable.waitUntilReady().then(
        () => undefined,
        () => undefined,
      ),
      bounded,
    ]);
  } finally {
    clearTimeout(timer);
  }
  await closable.close();
}
