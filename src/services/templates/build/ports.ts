/**
 * What template builds need from outside besides Proxmox and the shared locks (src/services/locks): the
 * catalog and checksum source (src/services/templates/catalog).
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
