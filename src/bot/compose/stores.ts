/**
 * The bot's Redis-backed stores: one fail-fast client (see adapters/store/redis.ts) shared by the approval
 * store, the audit stream, VMID reservations and build semaphores, all under the deployment's key prefix.
 * Tests and benchmarks build their stores here too, so a store they use is wired as production wires it.
 */

import { RedisApprovalStore } from "../../adapters/store/approval-store.js";
import { RedisAuditLog } from "../../adapters/store/audit-log.js";
import { RedisSemaphore } from "../../adapters/store/locks.js";
import {
  type CreateRedisOptions,
  createRedis,
  pingClient,
  waitUntilReady,
} from "../../adapters/store/redis.js";
import { RedisHealth } from "../../adapters/store/redis-health.js";
import type { RedisClient } from "../../adapters/store/redis-target.js";
import { RedisVmidReservations } from "../../adapters/store/vmid-reservations.js";
import type { Log } from "../../services/ports.js";
import type { Config } from "../config/schema.js";

export interface OpenStoreOptions {
  log: Log;
  /** How long to wait for RedisClient before giving up with an `UnavailableError`. */
  timeoutMs: number;
  /** The process's Redis monitor; one is made (probing this client) otherwise. */
  health?: RedisHealth;
  /** Connection tuning; tests shorten the reconnect backoff and the command timeout. */
  tuning?: Pick<CreateRedisOptions, "maxBackoffMs" | "commandTimeoutMs" | "connectTimeoutMs">;
}

export interface OpenStore {
  redis: RedisClient;
  health: RedisHealth;
  /** Disconnects the client and closes the monitor. */
  close(): void;
}

/**
 * Connects the store client and waits until RedisClient answers: the first fail-closed step of a start. On
 * failure nothing is left open.
 */
export async function openStore(url: string, options: OpenStoreOptions): Promise<OpenStore> {
  const { log } = options;
  // Every Redis connection of the process reports to one monitor: one "Redis unavailable" line per outage.
  const health =
    options.health ?? new RedisHealth({ log, probe: async () => (await pingClient(redis, 1000)).ok });
  const redis = createRedis(url, { log, name: "store", health, ...options.tuning });
  const close = () => {
    redis.disconnect();
    health.close();
  };
  try {
    await waitUntilReady(redis, options.timeoutMs);
  } catch (err) {
    close();
    throw err;
  }
  return { redis, health, close };
}

export interface StoreSettings {
  /** The deployment's key prefix, e.g. `pvebot:`. */
  prefix: string;
  /** Applied to every audit record before it is written (configured secret values). */
  scrub?: (text: string) => string;
  auditMaxAgeMs?: number;
  auditMaxEntries?: number;
  /** How often a waiting semaphore taker looks again; tests shorten it. */
  semaphorePollMs?: number;
}

export interface Stores {
  approvals: RedisApprovalStore;
  audit: RedisAuditLog;
  reservations: RedisVmidReservations;
  semaphore: RedisSemaphore;
}

export function storeSettingsFrom(config: Config, scrub: (text: string) => string): StoreSettings {
  return {
    prefix: config.redis.prefix,
    scrub,
    auditMaxAgeMs: config.audit.maxAge,
    auditMaxEntries: config.audit.maxEntries,
  };
}

export function createStores(redis: RedisClient, settings: StoreSettings): Stores {
  const { prefix } = settings;
  return {
    approvals: new RedisApprovalStore(redis, { prefix }),
    audit: new RedisAuditLog(redis, {
      prefix,
      maxAgeMs: settings.auditMaxAgeMs,
      maxEntries: settings.auditMaxEntries,
      scrub: settings.scrub,
    }),
    reservations: new RedisVmidReservations(redis, prefix),
    semaphore: new RedisSemaphore(redis, { prefix, pollMs: settings.semaphorePollMs }),
  };
}
