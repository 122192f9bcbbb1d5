/**
 * Finding and hiding secrets in configuration-shaped data. `config check`, error messages and the logger
 * all use the same notion of "secret" so a value hidden in one place is hidden everywhere.
 *
 * A secret is (a) any value under a key listed in `SECRET_KEYS` or whose name contains token, secret,
 * password, passwd or apikey (case-insensitive), or (b) the password part of a URL such as
 * `redis://:pw@host`. Limit: a secret stored under an innocent key name (say `extra: "s3cr3t"`) is not
 * recognised; name secret keys accordingly.
 */
import { createScrubber, REDACTED } from "../../services/redaction.js";
import { SECRET_KEYS } from "./schema.js";

// The value redaction itself is shared with the audit trail and chat replies; it lives with the services.
export { createScrubber, MIN_SCRUB_LENGTH, REDACTED } from "../../services/redaction.js";

const SECRET_NAME = /token|secret|passw(or)?d|api[-_]?key/i;
const EXACT_SECRET_KEYS = new Set(SECRET_KEYS.map((key) => key.toLowerCase()));

export function isSecretKey(key: string): boolean {
  return EXACT_SECRET_KEYS.has(key.toLowerCase()) || SECRET_NAME.test(key);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** `scheme://user:password@host…` → the password, decoded; undefined when the string has none. */
function urlPassword(text: string): string | undefined {
  if (!/^[a-z][a-z0-9+.-]*:\/\/[^/@\s]*:[^/@\s]*@/i.test(text)) return undefined;
  try {
    const password = new URL(text).password;
    return password === "" ? undefined : decodeURIComponent(password);
  } catch {
    return undefined;
  }
}

function redactUrlPassword(text: string): string {
  try {
    const url = new URL(text);
    if (url.password === "") return text;
    url.password = REDACTED;
    return url.toString().replace(encodeURIComponent(REDACTED), REDACTED);
  } catch {
    return REDACTED;
  }
}

function redactValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactValue);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      out[key] = isSecretKey(key) && inner !== undefined && inner !== null ? REDACTED : redactValue(inner);
    }
    return out;
  }
  if (typeof value === "string" && urlPassword(value) !== undefined) return redactUrlPassword(value);
  return value;
}

/**
 * A deep copy of `config` with every secret replaced by `"[redacted]"`. A secret-named key holding an
 * object or list is replaced as a whole. The input is not modified.
 */
export function redactConfig<T>(config: T): T {
  return redactValue(config) as T;
}

function collectStrings(value: unknown, into: Set<string>): void {
  if (typeof value === "string") {
    if (value !== "") into.add(value);
  } else if (typeof value === "number" || typeof value === "bigint") {
    into.add(String(value));
  } else if (Array.isArray(value)) {
    for (const item of value) collectStrings(item, into);
  } else if (isPlainObject(value)) {
    for (const inner of Object.values(value)) collectStrings(inner, into);
  }
}

function collectFrom(value: unknown, into: Set<string>): void {
  if (Array.isArray(value)) {
    for (const item of value) collectFrom(item, into);
  } else if (isPlainObject(value)) {
    for (const [key, inner] of Object.entries(value)) {
      if (isSecretKey(key)) collectStrings(inner, into);
      else collectFrom(inner, into);
    }
  } else if (typeof value === "string") {
    const password = urlPassword(value);
    if (password !== undefined) into.add(password);
  }
}

/**
 * The actual secret values in `config`, longest first (so that scrubbing a secret that contains another
 * replaces the longer one whole). Used to scrub strings that name no key, such as log messages.
 */
export function collectSecretValues(config: unknown): string[] {
  const found = new Set<string>();
  collectFrom(config, found);
  return [...found].sort((a, b) => b.length - a.length);
}

/**
 * Replaces every occurrence of each secret in `text`, and every credential-shaped string, with
 * `"[redacted]"`. Secrets shorter than `MIN_SCRUB_LENGTH` are skipped (they cannot be told apart from
 * ordinary text).
 */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  return createScrubber(secrets)(text);
}
