/**
 * Connection settings for the job queue. BullMQ needs a connection that waits for Redis instead of
 * failing fast (`maxRetriesPerRequest: null` on its blocking worker connection), so the queue does not
 * share the fail-fast store connection; it gets its own from the same URL.
 */
import { Cluster, Redis, type RedisOptions } from "ioredis";
import type { Log } from "../../services/ports.js";
import { RedisHealth } from "../store/redis-health.js";
import { openRedisClient, parseRedisUrl, type RedisClient } from "../store/redis-target.js";

/**
 * ioredis options, or a client the caller owns (it is then shared and never closed by the queue). A Redis
 * Cluster is always given as a client: BullMQ makes its own connections from options for one server only.
 */
export type QueueConnection = RedisOptions | RedisClient;

/** The BullMQ key prefix for a deployment prefix: `pvebot:` → `pvebot:bull`. BullMQ adds its own colon. */
export function bullPrefixFor(redisPrefix: string): string {
  return `${redisPrefix.replace(/:+$/, "")}:bull`;
}

/**
 * ioredis options for one server (`redis://`, `rediss://`) or one found through Sentinel
 * (`redis+sentinel://`); see store/redis-target.ts. A Cluster URL is refused here: use `queueConnection`.
 */
export function connectionFromUrl(url: string): RedisOptions {
  const target = parseRedisUrl(url);
  if (target.mode === "cluster") throw new Error("a Redis Cluster needs a client; use queueConnection");
  return target.options;
}

/**
 * The queue's connection for any URL: options for one server or Sentinel (BullMQ opens its connections
 * from them), a Cluster client for a Cluster (close it with `closeQueueConnection` after the queue and
 * worker). The Cluster waits for Redis instead of failing fast, as BullMQ requires.
 */
export function queueConnection(url: string, health: RedisHealth): QueueConnection {
  const target = parseRedisUrl(url);
  if (target.mode !== "cluster") return target.options;
  const cluster = openRedisClient(target, {
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
    connectionName: "proxmox-chatops:jobs-cluster",
  });
  return health.watch(cluster, "jobs-cluster");
}

/** Closes a Cluster client made by `queueConnection`; options need no closing. */
export async function closeQueueConnection(connection: QueueConnection): Promise<void> {
  if (connection instanceof Cluster) await connection.quit().catch(() => connection.disconnect());
}

/**
 * A client for the queue's own bookkeeping keys; `owned` says whether `close` should quit it. A client made
 * here is watched by `health` (an ioredis client without an error listener prints stack traces to stderr).
 */
export function openClient(
  connection: QueueConnection,
  name: string,
  health: RedisHealth,
): { client: RedisClient; owned: boolean } {
  if (connection instanceof Redis || connection instanceof Cluster)
    return { client: connection, owned: false };
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
