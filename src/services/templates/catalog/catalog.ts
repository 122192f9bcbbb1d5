/**
 * The cloud images the bot can build templates from: the bundled catalog.json plus the images users add
 * under `templates.catalog.images`. Both are validated when the bot starts, so a bad row stops the start
 * with its path instead of failing a build later.
 *
 * Left out of the bundled data on purpose (see current.tsv): end-of-life releases (Debian 11, Ubuntu 25.10,
 * openSUSE Leap 15.6, Alpine 3.21, FreeBSD 14.3), images PVE cannot import over the API (FreeBSD
 * `.qcow2.xz`, Kali `.tar.xz`, Fedora CoreOS `.qcow2.xz`), Oracle Linux (no checksum file, and no digest we
 * could pin from a trustworthy source), and Flatcar (checksum file and disk format unconfirmed).
 */
import { UserError } from "../../errors.js";
import data from "./catalog.json" with { type: "json" };
import { CATALOG_FAMILIES, type CatalogEntry, type CatalogFamily, catalogEntrySchema } from "./schema.js";
import { closestKeys } from "./suggest.js";

/** Where user additions live in the config, for error messages that point at the bad row. */
export const USER_IMAGES_PATH = "templates.catalog.images";

interface Origin {
  label: string;
  items: readonly unknown[];
}

function pathOf(base: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (acc, seg) => (typeof seg === "number" ? `${acc}[${seg}]` : `${acc}.${String(seg)}`),
    base,
  );
}

interface Located {
  entry: CatalogEntry;
  where: string;
}

function validate(origin: Origin, problems: string[]): Located[] {
  const entries: Located[] = [];
  origin.items.forEach((item, index) => {
    const parsed = catalogEntrySchema.safeParse(item);
    if (parsed.success) {
      entries.push({ entry: parsed.data, where: `${origin.label}[${index}]` });
      return;
    }
    for (const issue of parsed.error.issues) {
      problems.push(`${pathOf(`${origin.label}[${index}]`, issue.path)}: ${issue.message}`);
    }
  });
  return entries;
}

export class ImageCatalog {
  private readonly byKey: ReadonlyMap<string, CatalogEntry>;

  private constructor(private readonly entries: readonly CatalogEntry[]) {
    this.byKey = new Map(entries.map((e) => [e.key, e]));
  }

  /**
   * The bundled images plus `extra` (the user's additions, in config order). Every problem is reported at
   * once, as a UserError E_CONFIG whose lines name the config path of each bad field, and a key used
   * twice names both places.
   */
  static load(extra: readonly unknown[] = []): ImageCatalog {
    return ImageCatalog.fromSources(data as unknown[], extra);
  }

  /** As `load`, with the bundled data given; lets tests check the rules against rows of their own. */
  static fromSources(bundled: readonly unknown[], extra: readonly unknown[]): ImageCatalog {
    const problems: string[] = [];
    const origins: Origin[] = [
      { label: "bundled catalog", items: bundled },
      { label: USER_IMAGES_PATH, items: extra },
    ];
    const seen = new Map<string, string>();
    const entries: CatalogEntry[] = [];
    for (const origin of origins) {
      for (const { entry, where } of validate(origin, problems)) {
        const first = seen.get(entry.key);
        if (first !== undefined) {
          problems.push(`${where}: key '${entry.key}' is already used by ${first}; keys must be unique`);
          continue;
        }
        seen.set(entry.key, where);
        entries.push(entry);
      }
    }
    if (problems.length > 0) {
      throw new UserError("E_CONFIG", `invalid image catalog:\n${problems.map((p) => `- ${p}`).join("\n")}`);
    }
    return new ImageCatalog(entries);
  }

  all(): readonly CatalogEntry[] {
    return this.entries;
  }

  get(key: string): CatalogEntry | undefined {
    return this.byKey.get(key);
  }

  /** The entry for `key`, or E_NOT_FOUND naming the closest keys. */
  require(key: string): CatalogEntry {
    const entry = this.byKey.get(key);
    if (entry) return entry;
    const shown = key.length > 40 ? `${key.slice(0, 40)}…` : key;
    throw new UserError(
      "E_NOT_FOUND",
      `unknown distro '${shown}'; closest: ${this.suggest(key).join(", ")} (see \`template distros\`)`,
    );
  }

  /** Families that have at least one image, in the schema's order. */
  families(): CatalogFamily[] {
    const present = new Set(this.entries.map((e) => e.family));
    return CATALOG_FAMILIES.filter((f) => present.has(f));
  }

  byFamily(family: CatalogFamily): CatalogEntry[] {
    return this.entries.filter((e) => e.family === family);
  }

  suggest(key: string, n = 3): string[] {
    return closestKeys(
      key,
      this.entries.map((e) => e.key),
      n,
    );
  }
}

/**
 * The file name a download is stored under with `content=import`. It carries the first 12 hex digits of
 * the digest, so a new upstream build under the same URL lands in a new file (PVE refuses to overwrite a
 * file whose checksum differs) and an unchanged one is found again. The extension is the disk format:
 * PVE accepts only .qcow2/.raw/.vmdk/.ova for import, which is why Ubuntu's `.img` becomes `.qcow2`.
 */
export function importFilename(entry: Pick<CatalogEntry, "key" | "format">, checksum: string): string {
  if (!/^[0-9a-fA-F]{12,}$/.test(checksum)) {
    throw new UserError(
      "E_ARGS",
      `a checksum is hexadecimal and at least 12 digits long, got '${checksum.slice(0, 20)}'`,
    );
  }
  return `${entry.key}-${checksum.slice(0, 12).toLowerCase()}.${entry.format}`;
}
