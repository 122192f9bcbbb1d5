/**
 * The template services every template command and job uses: the Proxmox client, the distro catalog,
 * checksums fetched from the configured mirrors, VMID reservations and per-node build slots in Redis, and
 * the task follower. Absent when no Proxmox is configured.
 */
import { HttpChecksumSource } from "../../adapters/checksums/http-checksum-source.js";
import type { Clock, Log } from "../../services/ports.js";
import type { Proxmox } from "../../services/proxmox.js";
import { TaskFollower } from "../../services/tasks/follow-task.js";
import type { TemplatesConfig } from "../../services/templates/build/config.js";
import type { TemplateServices } from "../../services/templates/build/deps.js";
import { type ImageCatalog, importFilename } from "../../services/templates/catalog/catalog.js";
import type { MirrorMap } from "../../services/templates/catalog/mirrors.js";
import type { Stores } from "./stores.js";

/** Timings production leaves at their defaults; tests and benchmarks shorten them. */
export type BuildTuning = Pick<
  TemplateServices,
  "reservationTtlMs" | "leaseMs" | "taskRetry" | "sleep" | "settleMs" | "cleanupWaitMs"
>;

export interface TemplateServicesInput {
  proxmox: Proxmox;
  catalog: ImageCatalog;
  /** Where checksum files are fetched from, by mirror name. */
  mirrors: MirrorMap;
  stores: Pick<Stores, "reservations" | "semaphore">;
  config: TemplatesConfig;
  clock: Clock;
  log: Log;
  /** A checksum file's fetch limit; 15 s by default. */
  checksumTimeoutMs?: number;
  /** How long a fetched checksum file is reused; the source's default when omitted. */
  checksumCacheTtlMs?: number;
  tuning?: BuildTuning;
  /** Follows PVE tasks; tests pass one whose sleep wakes at the simulator's task ends. */
  follower?: TaskFollower;
}

export function createTemplateServices(input: TemplateServicesInput): TemplateServices {
  const { proxmox, clock } = input;
  return {
    proxmox,
    catalog: input.catalog,
    checksums: new HttpChecksumSource({
      mirrors: input.mirrors,
      timeoutMs: input.checksumTimeoutMs ?? 15_000,
      maxBytes: 1 << 20,
      log: input.log.child({ component: "checksums" }),
      clock,
      cacheTtlMs: input.checksumCacheTtlMs,
    }),
    importFilename,
    reservations: input.stores.reservations,
    semaphore: input.stores.semaphore,
    config: input.config,
    clock,
    follower: input.follower ?? new TaskFollower(proxmox, clock),
    ...input.tuning,
  };
}
