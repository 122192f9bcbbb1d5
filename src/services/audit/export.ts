/**
 * Audit export for `proxmox-chatops audit export --since 7d --format jsonl|csv`. Rows stream from
 * `AuditLog.scan` to the writer one at a time, so exporting months of history holds one page in memory.
 */
import { UserError } from "../errors.js";
import type { AuditLog } from "../ports.js";
import { createScrubber, scrubDeep } from "../redaction.js";
import type { AuditRecord } from "./record.js";

export type ExportFormat = "jsonl" | "csv";

/** Receives each chunk of output; may return a promise to apply backpressure. */
export type ExportWriter = (chunk: string) => void | Promise<void>;

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 } as const;

/**
 * `30m`, `24h`, `7d`, `2w` (before `now`), or an ISO date / date-time (`2026-11-01`, `2026-11-01T08:00Z`;
 * a date without a zone is read as UTC). Returns ms since the epoch.
 */
export function parseSince(text: string, now: number): number {
  const trimmed = text.trim();
  const relative = /^(\d{1,6})([mhdw])$/.exec(trimmed);
  if (relative) return now - Number(relative[1]) * UNIT_MS[relative[2] as keyof typeof UNIT_MS];
  const iso =
    /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?)?$/.exec(
      trimmed,
    );
  if (iso && isRealDateTime(iso)) {
    const zoned =
      iso[4] === undefined ? `${trimmed}T00:00:00Z` : iso[7] === undefined ? `${trimmed}Z` : trimmed;
    const ms = Date.parse(zoned);
    if (!Number.isNaN(ms)) return ms;
  }
  throw new UserError(
    "E_ARGS",
    `--since ${JSON.stringify(text)} is not understood; use a span like 30m, 24h, 7d, 2w or a date like 2026-11-01`,
  );
}

/** Refuses `2026-02-30` or `25:00` instead of letting Date roll them over into another day. */
function isRealDateTime(m: RegExpExecArray): boolean {
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth) return false;
  return Number(m[4] ?? 0) < 24 && Number(m[5] ?? 0) < 60 && Number(m[6] ?? 0) < 60;
}

export const CSV_COLUMNS = [
  "id",
  "time",
  "kind",
  "requestId",
  "platform",
  "userId",
  "userName",
  "channel",
  "command",
  "args",
  "outcome",
  "step",
  "durationMs",
  "approvalId",
  "jobId",
  "detail",
] as const;

/**
 * RFC 4180 quoting. Cells that a spreadsheet would run as a formula (leading = + - @, tab, CR) get a
 * leading apostrophe, because audit text comes from chat users.
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function csvRow(record: AuditRecord): string {
  const cells: Record<(typeof CSV_COLUMNS)[number], string> = {
    id: record.id ?? "",
    time: new Date(record.at).toISOString(),
    kind: record.kind,
    requestId: record.requestId,
    platform: record.actor?.platform ?? "",
    userId: record.actor?.id ?? "",
    userName: record.actor?.name ?? "",
    channel: record.channel ?? "",
    command: record.command ?? "",
    args: record.args ? JSON.stringify(record.args) : "",
    outcome: record.outcome,
    step: record.step ?? "",
    durationMs: record.durationMs === undefined ? "" : String(record.durationMs),
    approvalId: record.approvalId ?? "",
    jobId: record.jobId ?? "",
    detail: record.detail ?? "",
  };
  return `${CSV_COLUMNS.map((c) => csvCell(cells[c])).join(",")}\r\n`;
}

/**
 * Writes every record at or after `since`, oldest first; returns the number of records written. Every
 * string passes the value redaction again (`scrub`; default: credential shapes), so records written before
 * a secret was configured, or by an older version, leave scrubbed as well.
 */
export async function exportAudit(
  log: Pick<AuditLog, "scan">,
  options: { since: number; format: ExportFormat; scrub?: (text: string) => string },
  write: ExportWriter,
): Promise<number> {
  if (options.format !== "jsonl" && options.format !== "csv") {
    throw new UserError(
      "E_ARGS",
      `--format ${JSON.stringify(options.format)} is not supported; use jsonl or csv`,
    );
  }
  if (options.format === "csv") await write(`${CSV_COLUMNS.join(",")}\r\n`);
  const scrub = options.scrub ?? createScrubber([]);
  let count = 0;
  for await (const stored of log.scan(options.since)) {
    const record = scrubDeep(stored, scrub);
    await write(options.format === "csv" ? csvRow(record) : `${JSON.stringify(record)}\n`);
    count += 1;
  }
  return count;
}
