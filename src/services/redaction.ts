/**
 * Value redaction: the one function that hides secrets inside free text, shared by the log lines, the
 * audit trail (records, `audit export`) and the replies a command sends to chat, so a secret hidden in
 * one of them is hidden in all of them. Two kinds of value are replaced by `[redacted]`:
 *
 * 1. the configured secrets themselves (Proxmox token secret, Slack tokens, signing secret, Redis
 *    password, …; see `collectSecretValues` in src/bot/config/redact.ts), wherever they appear;
 * 2. strings shaped like a credential, whoever typed them: Slack and GitHub tokens, PVE API tokens,
 *    bearer credentials, JWTs, PEM private keys, Grafana service-account tokens, AWS access key ids,
 *    Discord bot tokens, the password in a `scheme://user:password@host` URL and the value of
 *    `password=…`-style pairs.
 *
 * Limits: a secret shorter than `MIN_SCRUB_LENGTH` is not scrubbed from free text (it cannot be told
 * apart from ordinary words), and an unknown secret in no recognisable shape (say a password typed as a
 * bare word) cannot be recognised. Key-based redaction (by field name) lives with each caller.
 */

export const REDACTED = "[redacted]";

/** Secrets shorter than this are not scrubbed from free text: replacing "ab" everywhere destroys logs. */
export const MIN_SCRUB_LENGTH = 4;

/**
 * Credential shapes. No pattern matches a double quote, so scrubbing a JSON log line never breaks its
 * syntax; PEM bodies may hold JSON-escaped newlines (`\n`), hence the backslash in their class.
 */
const CREDENTIAL_SHAPES: readonly RegExp[] = [
  /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----(?:[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY-----|[A-Za-z0-9+/=\s\\]*)/,
  /\bxox[abposre]-[A-Za-z0-9-]{8,}/,
  /\bxapp-[A-Za-z0-9-]{8,}/,
  /\bPVEAPIToken=[^\s"'<>,;]+/i,
  /![A-Za-z][\w.-]*=[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b/,
  /\bBearer\s+[A-Za-z0-9._~+/-]{8,}=*/i,
  /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/,
  /\bgh[pousr]_[A-Za-z0-9]{30,}/,
  /\bgithub_pat_[A-Za-z0-9_]{30,}/,
  /\bglsa_[A-Za-z0-9]{32}_[0-9a-fA-F]{8}\b/,
  /\bAKIA[0-9A-Z]{16}\b/,
  /\b[MN][A-Za-z\d]{23,25}\.[\w-]{6}\.[\w-]{27,}/,
];
const CREDENTIAL_SHAPE = new RegExp(CREDENTIAL_SHAPES.map((r) => r.source).join("|"), "g");

/** `scheme://user:password@`: the password is replaced, the rest kept so the URL stays readable. */
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s/@:"'<>]*:)([^\s/@"'<>]+)@/gi;

/**
 * `password=hunter2`, `api_key = …`: the value is replaced, the name kept. Only `=` counts: a colon is
 * too common in prose ("bot-token: no such file").
 */
const SECRET_PAIR =
  /\b(password|passwd|passphrase|secret|token|api[-_]?key|access[-_]?key|client[-_]?secret)(\s*=\s*)(?!\[redacted\])([^\s"'<>,;&]+)/gi;

/** Hides every credential-shaped substring of `text`. */
export function scrubCredentialShapes(text: string): string {
  return text
    .replace(CREDENTIAL_SHAPE, REDACTED)
    .replace(URL_PASSWORD, (_m, head: string) => `${head}${REDACTED}@`)
    .replace(SECRET_PAIR, (_m, name: string, sep: string) => `${name}${sep}${REDACTED}`);
}

/**
 * Prepares a scrub function once (deduplicated, longest secret first) for hot paths such as the logger.
 * `encode` adds extra spellings of each secret to hide, e.g. its JSON-escaped form. Credential shapes are
 * scrubbed too, after the known secrets.
 */
export function createScrubber(
  secrets: readonly string[],
  encode: (secret: string) => string[] = (secret) => [secret],
): (text: string) => string {
  const spellings = new Set<string>();
  for (const secret of secrets) {
    if (secret.length < MIN_SCRUB_LENGTH) continue;
    for (const spelling of encode(secret)) if (spelling.length > 0) spellings.add(spelling);
  }
  const ordered = [...spellings].sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const spelling of ordered) {
      if (out.includes(spelling)) out = out.split(spelling).join(REDACTED);
    }
    return scrubCredentialShapes(out);
  };
}

/** A copy of `value` with `scrub` applied to every string in it (object keys are left as they are). */
export function scrubDeep<T>(value: T, scrub: (text: string) => string, depth = 0): T {
  if (typeof value === "string") return scrub(value) as T;
  if (typeof value !== "object" || value === null || depth > 16) return value;
  if (Array.isArray(value)) return value.map((v) => scrubDeep(v, scrub, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) out[key] = scrubDeep(inner, scrub, depth + 1);
  return out as T;
}
