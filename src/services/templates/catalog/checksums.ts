/**
 * The expected digest of a cloud image, read from the vendor's checksum file at build time. `latest` and
 * `current` URLs rotate, so the digest is never stored in the catalog (unless a vendor publishes no file);
 * it is passed to PVE's `download-url`, which verifies what it downloads.
 */
import { UserError } from "../../errors.js";
import type { CatalogEntry, ChecksumAlgorithm } from "./schema.js";

export interface ExpectedChecksum {
  algorithm: ChecksumAlgorithm;
  /** Lowercase hex. */
  value: string;
  /** The checksum file it was read from (after mirror rewriting); absent for pinned digests. */
  checksumUrl?: string;
  /** The image URL to download (after mirror rewriting). */
  imageUrl: string;
}

/** Port: where builds get the digest to hand to PVE. Failures are UserErrors or TransientErrors naming the URL. */
export interface ChecksumSource {
  expected(entry: CatalogEntry): Promise<ExpectedChecksum>;
}

type ListedAlgorithm = ChecksumAlgorithm | "md5" | "sha1" | "sha224" | "sha384";

const BY_LENGTH: Readonly<Record<number, ListedAlgorithm>> = {
  32: "md5",
  40: "sha1",
  56: "sha224",
  64: "sha256",
  96: "sha384",
  128: "sha512",
};

const BY_TAG: Readonly<Record<string, ListedAlgorithm>> = {
  MD5: "md5",
  SHA1: "sha1",
  SHA224: "sha224",
  SHA256: "sha256",
  SHA384: "sha384",
  SHA512: "sha512",
};

interface Listed {
  algorithm: ListedAlgorithm;
  /** Undefined when the line holds a bare digest (single-file sidecars). */
  name: string | undefined;
  value: string;
}

export type ChecksumLookup =
  | { found: true; value: string }
  | { found: false; reason: "missing" }
  | { found: false; reason: "algorithm"; listed: ListedAlgorithm[] }
  | { found: false; reason: "conflict" };

/** Lines of the signed text, without the PGP armor; dash-escaped lines (RFC 4880 §7.1) are restored. */
function unsignedLines(text: string): string[] {
  const out: string[] = [];
  let state: "text" | "header" | "signature" = "text";
  for (const raw of text.split(/\r\n|\r|\n/)) {
    const line = raw.trimEnd();
    if (line === "-----BEGIN PGP SIGNED MESSAGE-----") state = "header";
    else if (line === "-----BEGIN PGP SIGNATURE-----") state = "signature";
    else if (state === "signature") {
      if (line === "-----END PGP SIGNATURE-----") state = "text";
    } else if (state === "header") {
      if (line === "") state = "text";
    } else out.push(line.startsWith("- ") ? line.slice(2) : line);
  }
  return out;
}

function cleanName(name: string, escaped: boolean): string {
  const unescaped = escaped ? name.replace(/\\(\\|n)/g, (_, c: string) => (c === "n" ? "\n" : "\\")) : name;
  return unescaped.replace(/^(\.\/)+/, "");
}

const BSD_LINE = /^([A-Za-z0-9-]+) ?\((.+)\) ?= ?([0-9a-fA-F]+)$/;
const GNU_LINE = /^(\\?)([0-9a-fA-F]{32,128})(?:[ \t]+\*?|[ \t]*\*)(.+)$/;
const BARE_LINE = /^([0-9a-fA-F]{32,128})$/;

/** Every digest line of a SUMS/CHECKSUM/sidecar file; comments, armor and other lines are skipped. */
export function parseChecksumFile(text: string): Listed[] {
  const listed: Listed[] = [];
  for (const line of unsignedLines(text)) {
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    const bsd = BSD_LINE.exec(trimmed);
    if (bsd) {
      const algorithm = BY_TAG[bsd[1]!.toUpperCase().replace("-", "")];
      const value = bsd[3]!.toLowerCase();
      if (algorithm && BY_LENGTH[value.length] === algorithm) {
        listed.push({ algorithm, name: cleanName(bsd[2]!, false), value });
      }
      continue;
    }
    const gnu = GNU_LINE.exec(trimmed);
    const bare = gnu ? undefined : BARE_LINE.exec(trimmed);
    const value = (gnu?.[2] ?? bare?.[1])?.toLowerCase();
    const algorithm = value === undefined ? undefined : BY_LENGTH[value.length];
    if (value === undefined || algorithm === undefined) continue;
    listed.push({ algorithm, name: gnu ? cleanName(gnu[3]!.trim(), gnu[1] === "\\") : undefined, value });
  }
  return listed;
}

function nameMatches(listed: string, fileName: string): boolean {
  return listed === fileName || listed.slice(listed.lastIndexOf("/") + 1) === fileName;
}

/**
 * The digest of `fileName` in a checksum file: GNU (`<hex>  name`, `<hex> *name`), BSD
 * (`SHA256 (name) = <hex>`), or a sidecar with one digest (bare, or followed by a name). CRLF, `#`
 * comments, PGP clear-signing and `./` prefixes are handled; the signature itself is not verified (PVE
 * verifies the image against the digest, and TLS protects the checksum file). With `single`, a file
 * holding exactly one digest applies to the image whatever name it gives (sidecars of `latest` links
 * often name the dated file).
 */
export function findChecksum(
  text: string,
  fileName: string,
  algorithm: ChecksumAlgorithm,
  options: { single?: boolean } = {},
): ChecksumLookup {
  const listed = parseChecksumFile(text);
  let candidates = listed.filter((l) => l.name !== undefined && nameMatches(l.name, fileName));
  if (candidates.length === 0 && listed.length === 1 && (options.single || listed[0]!.name === undefined)) {
    candidates = listed;
  }
  if (candidates.length === 0) return { found: false, reason: "missing" };
  const values = new Set(candidates.filter((c) => c.algorithm === algorithm).map((c) => c.value));
  if (values.size === 0) {
    return { found: false, reason: "algorithm", listed: [...new Set(candidates.map((c) => c.algorithm))] };
  }
  if (values.size > 1) return { found: false, reason: "conflict" };
  return { found: true, value: [...values][0]! };
}

/** The name the image is listed under in its checksum file: the last path segment of its URL. */
export function imageFileName(imageUrl: string): string {
  const path = new URL(imageUrl).pathname;
  const last = path.slice(path.lastIndexOf("/") + 1);
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}

/** The user-facing error for a failed lookup; `url` must already be safe to show. */
export function lookupError(
  lookup: Exclude<ChecksumLookup, { found: true }>,
  fileName: string,
  algorithm: ChecksumAlgorithm,
  url: string,
): UserError {
  switch (lookup.reason) {
    case "missing":
      return new UserError("E_NOT_FOUND", `no entry for ${fileName} in ${url}`);
    case "algorithm":
      return new UserError(
        "E_ARGS",
        `${url} lists ${lookup.listed.join("/")} for ${fileName}, but the catalog expects ${algorithm}; fix the entry's checksum.algorithm`,
      );
    case "conflict":
      return new UserError(
        "E_ARGS",
        `${url} lists different ${algorithm} digests for ${fileName}; refusing to guess`,
      );
  }
}
