/**
 * `proxmox-chatops audit export`: streams the audit trail from Redis to stdout. The CLI (src/bot/cli-main.ts)
 * parses flags and calls `runAuditExport`; this file owns the Redis side and stdout backpressure.
 */
import type { Writable } from "node:stream";
import { type ExportFormat, exportAudit, parseSince } from "../../services/audit/export.js";
import { UserError } from "../../services/errors.js";
import { silentLog } from "../../services/log.js";
import type { Log } from "../../services/ports.js";
import { createScrubber } from "../../services/redaction.js";
import { RedisAuditLog } from "./audit-log.js";
import { createRedis, pingRedis, waitUntilReady } from "./redis.js";

export interface AuditExportOptions {
  redisUrl: string;
  prefix: string;
  /** `7d`, `24h`, `30m`, or an ISO date. */
  since: string;
  format: ExportFormat;
  stdout: Writable;
  /** The configured secret values, scrubbed from every exported string (with credential shapes). */
  secrets?: readonly string[];
  /** Injected for tests; the system clock otherwise. */
  now?: () => number;
  /** Where connection warnings go; silent by default so stdout stays pure data. */
  log?: Log;
  connectTimeoutMs?: number;
}

/** Writes to a stream, waiting for `drain` when its buffer is full, so a slow pipe is not overrun. */
function writerFor(out: Writable): (chunk: string) => Promise<void> {
  return (chunk) =>
    new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      out.once("error", onError);
      const flushed = out.write(chunk);
      const done = () => {
        out.off("error", onError);
        resolve();
      };
      if (flushed) done();
      else out.once("drain", done);
    });
}

/** Returns the number of records written. Bad flags and an unreachable Redis throw a `UserError`. */
export async function runAuditExport(options: AuditExportOptions): Promise<number> {
  const since = parseSince(options.since, (options.now ?? Date.now)());
  if (options.format !== "jsonl" && options.format !== "csv") {
    throw new UserError(
      "E_ARGS",
      `--format ${JSON.stringify(options.format)} is not supported; use jsonl or csv`,
    );
  }
  const timeoutMs = options.connectTimeoutMs ?? 2000;
  const ping = await pingRedis(options.redisUrl, timeoutMs);
  if (!ping.ok) throw new UserError("E_UNAVAILABLE", ping.detail);
  const redis = createRedis(options.redisUrl, { log: options.log ?? silentLog, name: "audit-export" });
  try {
    await waitUntilReady(redis, timeoutMs);
    const audit = new RedisAuditLog(redis, { prefix: options.prefix });
    const scrub = createScrubber(options.secrets ?? []);
    return await exportAudit(audit, { since, format: options.format, scrub }, writerFor(options.stdout));
  } finally {
    redis.disconnect();
  }
}
