/**
 * What template builds need from outside besides Proxmox: VMID reservations and counting semaphores shared
 * by every worker process (implemented on Redis in src/adapters/store), and the catalog and checksum
 * source (src/services/templates/catalog).
 */
import type { ChecksumSource, ExpectedChecksum } from "../catalog/checksums.js";
import type { CatalogEntry, CatalogFamily } from "../catalog/schema.js";

export type { ChecksumSource, ExpectedChecksum };
/** A distro as builds see it: the catalog's entry. */
export type DistroEntry = CatalogEntry;

/** The image catalog methods builds use; `ImageCatalog` (catalog/catalog.ts) provides them. */
export interface ImageCatalogReader {
  get(key: string): DistroEntry | undefined;
  all(): readonly DistroEntry[];
  families(): CatalogFamily[];
  byFamily(family: CatalogFamily): readonly DistroEntry[];
  /** Closest keys to a mistyped one. */
  suggest(key: string, n?: number): string[];
}

/**
 * VMIDs held for a build between choosing the number and PVE knowing the VM. A reservation expires by
 * itself so a dead worker cannot hold a number forever.
 */
export interface VmidReservations {
  /** True when `vmid` was free and is now held by `owner`; false when someone else holds it. */
  reserve(vmid: number, owner: string, ttlMs: number): Promise<boolean>;
  /** Drops the reservation if `owner` still holds it. */
  release(vmid: number, owner: string): Promise<void>;
  /** The reserved VMIDs in [min, max]. */
  reserved(min: number, max: number): Promise<Set<number>>;
}

/** A held slot; renewing happens inside the implementation until `release`. */
export interface Lease {
  release(): Promise<void>;
}

/**
 * Counting semaphores keyed by name (`node:pve1`, `storage:local`), shared across processes. Holders
 * renew their lease while alive; a lease not renewed within `leaseMs` frees its slot, so a killed worker
 * cannot block builds for longer than that.
 */
export interface Semaphore {
  /** Waits until a slot is free (or `signal` aborts) and takes it. */
  acquire(
    key: string,
    limit: number,
    options: { owner: string; leaseMs?: number; signal?: AbortSignal },
  ): Promise<Lease>;
}
