/**
 * Removes secrets from command arguments before they are stored in the audit stream or shown on an
 * approval card. Decided by key name and by value shape, failing towards redaction:
 * - keys that name a secret (password, token, secret, credential, API/access/private key, cookie…);
 * - SSH key fields keep recognisable public keys (`ssh-ed25519 AAAA…`, they are meant to be shared) and
 *   redact anything else, private keys above all;
 * - any string holding a PEM private key, a PVE API token header or a bearer credential, whatever its key.
 * Limit: a secret under an innocent key name in a free-text value (e.g. a note) cannot be recognised.
 */

import { REDACTED } from "../redaction.js";

export { REDACTED };

const MAX_DEPTH = 8;

const SECRET_KEY =
  /(password|passwd|passphrase|secret|token|credential|authorization|cookie|api[-_]?key|access[-_]?key|private[-_]?key)/i;
const BARE_PASS = /^(pass|pwd|pin)$/i;
const SSH_KEY_FIELD = /(ssh[-_]?keys?|public[-_]?keys?|pub[-_]?keys?|authorized[-_]?keys)$/i;
const PUBLIC_KEY =
  /^(ssh-(rsa|dss|ed25519|ed448)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com) [A-Za-z0-9+/=]+( [^\r\n]*)?$/;
const SECRET_VALUE = /(-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----|PVEAPIToken=|^\s*Bearer\s+\S)/i;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key) || BARE_PASS.test(key);
}

/** True for one or more newline-separated OpenSSH public keys (what Proxmox's `sshkeys` holds). */
export function isPublicSshKey(value: string): boolean {
  const lines = value
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "");
  return lines.length > 0 && lines.every((l) => PUBLIC_KEY.test(l));
}

/** A copy of `args` with secret values replaced by `[redacted]`; the input is not changed. */
export function sanitizeArgs(args: Record<string, unknown>): Record<string, unknown> {
  return sanitizeObject(args, 0);
}

function sanitizeObject(obj: Record<string, unknown>, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(obj)) out[key] = sanitizeMember(key, value, depth);
  return out;
}

function sanitizeMember(key: string, value: unknown, depth: number): unknown {
  if (value === undefined || value === null) return value;
  if (isSecretKey(key)) return REDACTED;
  if (SSH_KEY_FIELD.test(key)) return sanitizeSshKeys(value);
  return sanitizeValue(value, depth);
}

function sanitizeSshKeys(value: unknown): unknown {
  if (typeof value === "string") return isPublicSshKey(value) ? value : REDACTED;
  if (Array.isArray(value))
    return value.map((v) => (typeof v === "string" && isPublicSshKey(v) ? v : REDACTED));
  return REDACTED;
}

function sanitizeValue(value: unknown, depth: number): unknown {
  if (typeof value === "string") return SECRET_VALUE.test(value) ? REDACTED : value;
  if (typeof value !== "object" || value === null) return value;
  if (depth >= MAX_DEPTH) return "[too deep]";
  if (Array.isArray(value)) return value.map((v) => sanitizeValue(v, depth + 1));
  return sanitizeObject(value as Record<string, unknown>, depth + 1);
}
