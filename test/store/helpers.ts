import { randomUUID } from "node:crypto";
import { createServer } from "node:net";
import { Redis } from "ioredis";
import { afterEach, beforeEach } from "vitest";
import { deleteKeysWithPrefix } from "../../src/adapters/store/redis.js";
import type { Log } from "../../src/services/ports.js";
import type { Actor, ConversationRef } from "../../src/services/vocabulary/identity.js";

export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

/** A fresh key prefix per test, so parallel tests and earlier runs never see each other's keys. */
export function uniquePrefix(): string {
  return `test:${randomUUID()}:`;
}

/** A plain client for tests (offline queue on, so it waits for its own connection). */
export function testRedis(): Redis {
  return new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
}

/** Deletes every key under the prefix. */
export async function dropPrefix(
  redis: Parameters<typeof deleteKeysWithPrefix>[0],
  prefix: string,
): Promise<void> {
  await deleteKeysWithPrefix(redis, prefix);
}

/**
 * Gives each test of the enclosing block a fresh client and key prefix (through `use`), and drops the
 * prefix and closes the client after it.
 */
export function eachTestRedis(use: (redis: Redis, prefix: string) => void): void {
  let redis: Redis;
  let prefix: string;
  beforeEach(() => {
    redis = testRedis();
    prefix = uniquePrefix();
    use(redis, prefix);
  });
  afterEach(async () => {
    await dropPrefix(redis, prefix);
    redis.disconnect();
  });
}

export interface LogEntry {
  level: string;
  obj: object | string;
  msg?: string;
}

/** A Log that keeps what it was told, for assertions (and for proving secrets never reach it). */
export function memoryLog(entries: LogEntry[] = []): Log & { entries: LogEntry[] } {
  const at =
    (level: string) =>
    (obj: object | string, msg?: string): void => {
      entries.push({ level, obj, ...(msg === undefined ? {} : { msg }) });
    };
  return {
    entries,
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    child: () => memoryLog(entries),
  };
}

/** A loopback port with nothing listening: bind one, note it, close it. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

export function actor(id: string, extra: Partial<Actor> = {}): Actor {
  return { platform: "slack", id, name: id.toLowerCase(), groups: [], ...extra };
}

export const conversation: ConversationRef = { platform: "slack", channelId: "C0OPS" };
