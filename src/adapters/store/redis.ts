/**
 * The Redis connection the bot's own data (approvals, audit, alert state) goes through. It is tuned to
 * fail fast: while Redis is away, commands reject at once so a chat click can answer "temporarily
 * unavailable" instead of hanging until the platform's 3-second deadline passes. Reconnection continues
 * forever in the background with a capped backoff.
 *
 * BullMQ needs different settings (`maxRetriesPerRequest: null`) and gets its own connection elsewhere.
 */
import type { RedisOptions } from "ioredis";
import { doublingDelay } from "../../services/backoff.js";
import { UnavailableError } from "../../services/errors.js";
import type { Log } from "../../services/ports.js";
import { whenUnavailable } from "./redis-errors.js";
import { RedisHealth } from "./redis-health.js";
import { openRedisClient, parseRedisUrl, type RedisClient, scanKeys } from "./redis-target.js";

export { whenUnavailable };

export interface CreateRedisOptions {
  log: Log;
  /** Shown in `CLIENT LIST` and in log lines, e.g. `approvals` or `audit-export`. */
  name?: string;
  /** Longest wait between reconnect attempts. */
  maxBackoffMs?: number;
  /** A command that gets no answer within this time rejects (a hung server counts as unavailable). */
  commandTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** The process's Redis monitor, so an outage is logged once for all clients (see redis-health.ts). */
  health?: RedisHealth;
}

/**
 * Replaces the password (and a user name, when a password follows it) in a Redis URL so the URL can be
 * logged or shown. Works on URLs the WHATWG parser rejects by falling back to a pattern.
 */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === "" && parsed.username === "") return url;
    if (parsed.password !== "") parsed.password = "***";
    else parsed.username = "***";
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^/]*@/, "//***@");
  }
}

/** Exponential backoff from 100 ms, capped; never gives up, because the bot must come back by itself. */
export function reconnectDelay(attempt: number, maxBackoffMs = 5000): number {
  return doublingDelay(100, attempt, maxBackoffMs);
}

/** A fail-fast client for any URL `parseRedisUrl` accepts (one server, Sentinel, Cluster). */
export function createRedis(url: string, options: CreateRedisOptions): RedisClient {
  const name = options.name ?? "store";
  const log = options.log.child({ url: redactRedisUrl(url) });
  const redisOptions: RedisOptions = {
    connectionName: `proxmox-chatops:${name}`,
    enableOfflineQueue: false,
    // 0: a command in flight when the connection drops is rejected, never silently re-sent; the decide
    // script must not run twice behind its caller's back.
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs ?? 5000,
    connectTimeout: options.connectTimeoutMs ?? 5000,
    retryStrategy: (attempt) => reconnectDelay(attempt, options.maxBackoffMs),
  };
  const client = openRedisClient(parseRedisUrl(url), redisOptions);
  // One outage line per process when a shared monitor is given; a lone client gets its own.
  (options.health ?? new RedisHealth({ log: log.child({ redis: name }) })).watch(client, name);
  return client;
}

/**
 * Resolves once the client can take commands, or rejects with an `UnavailableError` after `timeoutMs`.
 * Needed because the fail-fast client rejects commands issued before its first connection is ready.
 */
export async function waitUntilReady(client: RedisClient, timeoutMs: number): Promise<void> {
  if (client.status === "ready") return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off("ready", onReady);
      reject(new UnavailableError("Redis"));
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    client.once("ready", onReady);
  });
}

/** Runs a store operation, turning connection failures into `UnavailableError` and rethrowing the rest. */
export async function guarded<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (err) {
    throw whenUnavailable(err) ?? err;
  }
}

export interface PingResult {
  ok: boolean;
  /** One line for a start-up error or /readyz; the URL in it has its password redacted. */
  detail: string;
  /** Redis answered but said no (WRONGPASS, NOAUTH): reachable, so starting another one would not help. */
  refused?: boolean;
  /** The cause alone, without the URL (e.g. `WRONGPASS …`), for callers that phrase their own message. */
  reason?: string;
}

/**
 * Opens a short-lived connection, sends PING and closes it. Never retries: start-up wants a prompt,
 * specific answer ("did not answer within 2 s: ECONNREFUSED").
 */
export async function pingRedis(url: string, timeoutMs: number): Promise<PingResult> {
  const shown = redactRedisUrl(url);
  const started = Date.now();
  let lastError: unknown;
  let client: RedisClient;
  try {
    client = openRedisClient(parseRedisUrl(url), {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: timeoutMs,
      commandTimeout: timeoutMs,
      retryStrategy: () => null,
      connectionName: "proxmox-chatops:ping",
    });
  } catch (err) {
    return {
      ok: false,
      refused: true,
      reason: describeError(err),
      detail: `${shown}: ${describeError(err)}`,
    };
  }
  client.on("error", (err) => {
    lastError = err;
  });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("no reply")), timeoutMs);
  });
  try {
    await Promise.race([client.connect().then(() => client.ping()), deadline]);
    return { ok: true, detail: `Redis at ${shown} answered PING in ${Date.now() - started} ms` };
  } catch (err) {
    const cause = lastError ?? err;
    const reason = describeError(cause);
    // A ReplyError means Redis answered but said no (WRONGPASS, NOAUTH): not a reachability problem.
    if (cause instanceof Error && cause.name === "ReplyError") {
      return {
        ok: false,
        refused: true,
        reason,
        detail: `Redis at ${shown} refused the connection: ${reason}`,
      };
    }
    return {
      ok: false,
      detail: `Redis at ${shown} did not answer within ${formatSeconds(timeoutMs)}: ${reason}`,
    };
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
}

/** PING over an existing client, for /readyz; same result shape as `pingRedis`. */
export async function pingClient(client: RedisClient, timeoutMs: number): Promise<PingResult> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("no reply")), timeoutMs);
  });
  try {
    await Promise.race([client.ping(), deadline]);
    return { ok: true, detail: `redis answered PING in ${Date.now() - started} ms` };
  } catch (err) {
    return {
      ok: false,
      detail: `redis did not answer within ${formatSeconds(timeoutMs)}: ${describeError(err)}`,
    };
  } finally {
    clearTimeout(timer);
  }
}

/** The error's code when it has one (ECONNREFUSED), else its message; never the URL's credentials. */
function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === "string" && code !== "") return code;
    return err.message.replace(/\/\/[^/\s]*@/g, "//***@");
  }
  return String(err);
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/** Deletes every key under a prefix (a demo run's or a test's); SCAN-based, so it never blocks Redis. */
export async function deleteKeysWithPrefix(client: RedisClient, prefix: string): Promise<number> {
  let deleted = 0;
  // One UNLINK per key: a Cluster refuses a multi-key UNLINK whose keys sit in different slots.
  await scanKeys(client, `${escapeGlob(prefix)}*`, async (keys) => {
    const counts = await Promise.all(keys.map((key) => client.unlink(key)));
    deleted += counts.reduce((sum, n) => sum + n, 0);
  });
  return deleted;
}

/** A prefix as a SCAN pattern that matches it literally (a hash tag's braces are no glob, but `[` is). */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, "\\$&");
}
