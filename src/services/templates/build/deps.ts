/** What every build stage gets: the outside world, config, and the process-local lease handles. */
import type { JobRunContext } from "../../jobs/definition.js";
import type { Semaphore, VmidReservations } from "../../locks/ports.js";
import type { Clock } from "../../ports.js";
import type { Proxmox } from "../../proxmox.js";
import type { Sleep, TaskFollower } from "../../tasks/follow-task.js";
import type { TemplatesConfig } from "./config.js";
import type { ChecksumSource, DistroEntry, ImageCatalogReader } from "./ports.js";
import type { BuildRequest } from "./request.js";

export interface TemplateServices {
  proxmox: Proxmox;
  catalog: ImageCatalogReader;
  checksums: ChecksumSource;
  importFilename(entry: DistroEntry, checksum: string): string;
  reservations: VmidReservations;
  semaphore: Semaphore;
  config: TemplatesConfig;
  clock: Clock;
  follower: TaskFollower;
  /** How long a VMID reservation lives without the build finishing; default 2 h. */
  reservationTtlMs?: number;
  /** Semaphore lease; renewed while the build runs. Default 60 s. */
  leaseMs?: number;
  /** Tries of a PVE task that fails transiently (VM locked), and the first pause (doubling); 3 and 5 s. */
  taskRetry?: { attempts: number; delayMs: number };
  /** Pauses between retries; tests pass a fast one. */
  sleep?: Sleep;
  /** Pause before looking for the effect of a request whose answer was lost; default 2 s. */
  settleMs?: number;
  /** How long a cleanup waits for this build's running task (it holds the VM's lock); default 10 min. */
  cleanupWaitMs?: number;
}

export type BuildContext = JobRunContext<BuildRequest>;

export type { LeaseBook } from "../../locks/lease-book.js";
