/**
 * Checksum files as the vendors write them, for the simulated mirror: GNU lines (Debian, Ubuntu, Amazon),
 * BSD lines with byte-count comments (AlmaLinux, Rocky, CentOS), PGP clear-signed (Fedora), and sidecars
 * holding one digest. Each SUMS file also lists a file that is not in the catalog, so a reader that does not
 * match by name is caught.
 */
import { createHash } from "node:crypto";
import type { CatalogEntry } from "../../services/templates/catalog/schema.js";
import { qcow2Image, rawImage, virtualSizeFor } from "./images.js";

export interface ListedImage {
  entry: CatalogEntry;
  fileName: string;
  digest: string;
  size: number;
}

type FileSpec = Extract<CatalogEntry["checksum"], { url: string }>;

/**
 * Bytes the mirror serves as the image: a real disk image in the catalog entry's format (a qcow2 with the
 * distribution's virtual size, or a small raw file). Its real digest is what the checksum file lists by
 * default; each build differs. `servedAs` overrides the format, for entries whose file is not what the
 * catalog says.
 */
export function simulatedImage(
  entry: Pick<CatalogEntry, "key" | "format">,
  build: number,
  servedAs: "qcow2" | "raw" = entry.format,
): Buffer {
  const note = `simulated cloud image ${entry.key}, build ${build}`;
  return servedAs === "raw" ? rawImage(note) : qcow2Image({ virtualSize: virtualSizeFor(entry.key), note });
}

export function digestOf(algorithm: "sha256" | "sha512", bytes: Buffer | string): string {
  return createHash(algorithm).update(bytes).digest("hex");
}

function line(spec: FileSpec, fileName: string, digest: string): string {
  if (spec.style === "bsd") return `${spec.algorithm.toUpperCase()} (${fileName}) = ${digest}`;
  return `${digest}  ${fileName}`;
}

function armor(body: string): string {
  const escaped = body
    .split("\n")
    .map((l) => (l.startsWith("-") ? `- ${l}` : l))
    .join("\n");
  const signature = Buffer.from("simulated signature; the mirror holds no key").toString("base64");
  return [
    "-----BEGIN PGP SIGNED MESSAGE-----",
    "Hash: SHA256",
    "",
    escaped,
    "-----BEGIN PGP SIGNATURE-----",
    "",
    signature,
    "-----END PGP SIGNATURE-----",
    "",
  ].join("\n");
}

/** One checksum file listing `images` (all sharing the same checksum URL and therefore the same spec). */
export function renderChecksumFile(spec: FileSpec, images: readonly ListedImage[]): string {
  if (spec.format === "single") {
    const only = images[0];
    return only ? `${line(spec, only.fileName, only.digest)}\n` : "";
  }
  const lines: string[] = [];
  const decoyName = `${images[0]?.fileName ?? "image"}.manifest`;
  const decoy = { fileName: decoyName, digest: digestOf(spec.algorithm, decoyName), size: decoyName.length };
  for (const image of [decoy, ...images]) {
    if (spec.style === "bsd") lines.push(`# ${image.fileName}: ${image.size} bytes`);
    lines.push(line(spec, image.fileName, image.digest));
  }
  const body = `${lines.join("\n")}\n`;
  return spec.signed ? armor(body) : body;
}
