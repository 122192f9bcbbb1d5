/**
 * Bolt's and the Slack SDK's logger, backed by ours. Their debug output prints raw payloads (response URLs,
 * verification tokens), so debug is dropped and every message is scrubbed of token-shaped strings first.
 */
import type { Logger } from "@slack/bolt";
import { LogLevel } from "@slack/bolt";
import type { Log } from "../../services/ports.js";

const SECRET_PATTERNS: RegExp[] = [
  /xox[abposre]-[A-Za-z0-9-]+/g,
  /xapp-[A-Za-z0-9-]+/g,
  /https:\/\/hooks\.slack\.com\/[^\s"']+/g,
  /Bearer\s+[^\s"']+/gi,
];

export function redactSecrets(text: string): string {
  let out = text;
  for (const p of SECRET_PATTERNS) out = out.replace(p, "[redacted]");
  return out;
}

export function boltLogger(log: Log): Logger {
  let level = LogLevel.INFO;
  let name = "slack";
  const line = (msgs: unknown[]) =>
    redactSecrets(msgs.map((m) => (m instanceof Error ? m.message : String(m))).join(" "));
  return {
    debug: () => {},
    info: (...msgs: unknown[]) => log.info({ lib: name }, line(msgs)),
    warn: (...msgs: unknown[]) => log.warn({ lib: name }, line(msgs)),
    error: (...msgs: unknown[]) => log.error({ lib: name }, line(msgs)),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: (n: string) => {
      name = n;
    },
  };
}
