/**
 * The bot's pino logger. Two layers keep secrets out of the logs:
 *
 * 1. Values under secret-named keys are replaced: pino `redact` paths cover well-known keys (`token`,
 *    `password`, `authorization` headers, …) including child-logger bindings, and a log formatter replaces
 *    any key that `isSecretKey` recognises, or a credential header name, at any depth, in fields and in
 *    child bindings (numbers and booleans are kept: `tokens: 3`).
 * 2. Every finished line is scrubbed of the known secret values (from `collectSecretValues(config)`) and
 *    of credential-shaped strings (src/services/redaction.ts, the same function the audit trail and chat
 *    replies use), so a secret pasted into a message, an error or an unexpected field is replaced too.
 *
 * Limits: values shorter than 4 characters are not scrubbed (see `MIN_SCRUB_LENGTH`); a secret that is
 * neither under a known key nor in `secrets` (say, a user typing an unknown password into chat) cannot be
 * recognised unless it has a credential's shape. Scrubbing costs a substring search per secret per line.
 */
import pino, { type DestinationStream, type Logger } from "pino";
import pinoPretty from "pino-pretty";
import { createScrubber, isSecretKey, REDACTED } from "./config/redact.js";

export type LogFormat = "json" | "pretty" | "auto";
export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";

export interface LoggerOptions {
  level: LogLevel;
  format: LogFormat;
  /** Where lines go; default: standard output. Anything with `write(line)` works (tests pass a collector). */
  destination?: { write(line: string): unknown };
  /** Secret values to scrub from every line (see `collectSecretValues`). */
  secrets?: readonly string[];
  /** Whether the output is a terminal, deciding `auto`; default: `process.stdout.isTTY`. */
  isTty?: boolean;
  /** Fields on every line; default: pid and hostname, as pino does. */
  base?: Record<string, unknown>;
  /** Fields computed per line, e.g. the requestId of the command being handled (see request-scope.ts). */
  mixin?: () => object;
}

/** Header names whose values are credentials; matched case-insensitively by the key walk. */
const CREDENTIAL_HEADERS = new Set([
  "authorization",
  "proxy-authorization",
  "cookie",
  "set-cookie",
  "x-api-key",
]);

function isCredentialKey(key: string): boolean {
  return isSecretKey(key) || CREDENTIAL_HEADERS.has(key.toLowerCase());
}

/**
 * pino `redact` paths for the common secret keys at the top level and one level down, and for
 * authorization headers where request objects usually carry them. Deliberately short: each path costs
 * time on every line (76 paths measured at 7k lines/s against 56k for 10), and the key walk below
 * already covers every depth.
 */
export function redactPaths(): string[] {
  const paths: string[] = [];
  for (const field of [
    "token",
    "password",
    "secret",
    "tokenSecret",
    "signingSecret",
    "botToken",
    "appToken",
  ]) {
    paths.push(field, `*.${field}`);
  }
  paths.push(
    "headers.authorization",
    "req.headers.authorization",
    "*.headers.authorization",
    "*.Authorization",
  );
  return paths;
}

const MAX_DEPTH = 12;

interface Walk {
  /** Objects on the current path: meeting one again is a cycle, written as "[Circular]". */
  ancestors: Set<object>;
  /** Finished objects, so a value shared by two fields is redacted the same way in both. */
  done: Map<object, unknown>;
}

/** Copies only what it changes; Errors and other class instances are left to pino's serializers. */
function redactSecretKeys(value: unknown, depth: number, walk: Walk): unknown {
  if (typeof value !== "object" || value === null || depth > MAX_DEPTH) return value;
  if (walk.ancestors.has(value)) return "[Circular]";
  if (walk.done.has(value)) return walk.done.get(value);
  const proto = Object.getPrototypeOf(value);
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) return value;
  walk.ancestors.add(value);
  const entries = Object.entries(value);
  let changed = false;
  const next = entries.map(([key, inner]) => {
    const hide =
      !Array.isArray(value) &&
      (typeof inner === "string" || (typeof inner === "object" && inner !== null)) &&
      isCredentialKey(key);
    const result = hide ? REDACTED : redactSecretKeys(inner, depth + 1, walk);
    if (result !== inner) changed = true;
    return [key, result] as const;
  });
  walk.ancestors.delete(value);
  let result: unknown = value;
  if (changed) result = Array.isArray(value) ? next.map(([, item]) => item) : Object.fromEntries(next);
  walk.done.set(value, result);
  return result;
}

function hideSecretKeys(object: Record<string, unknown>): Record<string, unknown> {
  return redactSecretKeys(object, 0, { ancestors: new Set(), done: new Map() }) as Record<string, unknown>;
}

/** A secret appears in a JSON line either raw or JSON-escaped (quotes, backslashes, control characters). */
function spellingsInJson(secret: string): string[] {
  return [secret, JSON.stringify(secret).slice(1, -1)];
}

/**
 * Creates the logger. The returned pino `Logger` satisfies the services' `Log` port; give each invocation
 * `logger.child({ requestId })` so all its lines can be found together.
 */
export function createLogger(options: LoggerOptions): Logger {
  const scrub = createScrubber(options.secrets ?? [], spellingsInJson);
  const target = options.destination ?? pino.destination({ dest: 1, sync: true });
  const pretty =
    options.format === "pretty" ||
    (options.format === "auto" && (options.isTty ?? process.stdout.isTTY === true));
  const format = pretty
    ? pinoPretty.prettyFactory({ colorize: options.isTty ?? false, translateTime: "SYS:HH:MM:ss.l" })
    : undefined;
  const stream: DestinationStream = {
    write(line: string) {
      const clean = scrub(line);
      target.write(format ? format(clean) : clean);
    },
  };
  const settings: pino.LoggerOptions = {
    level: options.level,
    redact: { paths: redactPaths(), censor: REDACTED },
    formatters: { log: hideSecretKeys, bindings: hideSecretKeys },
  };
  if (options.base !== undefined) settings.base = options.base;
  if (options.mixin !== undefined) settings.mixin = options.mixin;
  return pino(settings, stream);
}
