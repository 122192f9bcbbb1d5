/**
 * Reads and checks `proxmox.tlsCaFile`. A CA file that cannot serve as a trust anchor is a configuration
 * error, found by `config check` and at start, not a TLS failure later: a wrong path would otherwise
 * surface as "unable to verify the first certificate" on the first command, far from its cause.
 */
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";

export type CaFileResult = { ok: true; pem: string } | { ok: false; reason: string };

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----\s[\s\S]*?-----END CERTIFICATE-----/g;

const READ_ERRORS: Record<string, string> = {
  ENOENT: "does not exist",
  EISDIR: "is a directory, not a PEM file",
  EACCES: "cannot be read: permission denied",
  ENOTDIR: "cannot be read: a part of the path is not a directory",
};

/** Reads the file and returns its text only if it holds at least one parseable PEM certificate. */
export function readCaFile(
  path: string,
  readFile: (path: string) => string = (p) => readFileSync(p, "utf8"),
): CaFileResult {
  let text: string;
  try {
    text = readFile(path);
  } catch (err) {
    const code = (err as { code?: string }).code;
    return { ok: false, reason: (code && READ_ERRORS[code]) ?? `cannot be read (${code ?? "error"})` };
  }
  if (text.trim() === "") return { ok: false, reason: "is empty" };
  const blocks = text.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) {
    return { ok: false, reason: "holds no PEM certificate (-----BEGIN CERTIFICATE----- … block)" };
  }
  for (const [index, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch {
      return { ok: false, reason: `certificate ${index + 1} in it is not a valid X.509 certificate` };
    }
  }
  return { ok: true, pem: text };
}

/** The reason with the path, as `config check` and the start-up error show it after the key. */
export function caFileProblem(path: string, reason: string): string {
  return `${path} ${reason}; give the PEM file of the CA that signed the PVE certificate`;
}
