/**
 * The audit trail: an append-only RedisClient stream at `<prefix>audit`. Each record is one entry whose fields
 * hold JSON-encoded values, so numbers, nested args and actors read back with their types.
 *
 * Entry ids carry time: an entry is added as `<max(record.at, last entry ms)>-*`, so an id's millisecond
 * part is never below the record's `at` and ids stay ordered even when bot instances' clocks disagree.
 * That lets `since` filters start the range scan at `since` and skip older history entirely.
 *
 * Retention: every append trims the stream to `maxEntries` (XADD MAXLEN ~) and drops entries older than
 * `maxAgeMs` (XTRIM MINID ~, measured from the new entry's id). `~` lets RedisClient drop whole internal nodes
 * only, so up to one node (100 entries by default, `stream-node-max-entries`) beyond either bound may
 * remain; nothing inside the bounds is ever dropped.
 *
 * Appends are idempotent: a marker keyed by the record's content (kept 6 hours) makes a retried write of
 * a record that did reach RedisClient return the first entry's id instead of adding it twice.
 *
 * Before a record is stored, args are sanitized by key and shape (sanitize.ts) and every string in it is
 * passed through the same value redaction as the logs (`scrub`), so a secret pasted into chat never
 * reaches the stream.
 */
import { createHash } from "node:crypto";
import type { AuditKind, AuditQuery, AuditRecord } from "../../services/audit/record.js";
import { sanitizeArgs } from "../../services/audit/sanitize.js";
import { UserError } from "../../services/errors.js";
import type { AuditLog } from "../../services/ports.js";
import { createScrubber, scrubDeep } from "../../services/redaction.js";
import { guarded } from "./redis.js";
import type { RedisClient } from "./redis-target.js";

/** Compliance defaults: 90 days or one million entries, whichever bound is reached first. */
export const DEFAULT_AUDIT_MAX_AGE_MS = 90 * 86_400_000;
export const DEFAULT_AUDIT_MAX_ENTRIES = 1_000_000;

export interface RedisAuditLogOptions {
  /** Deployment key prefix with its trailing colon, e.g. `pvebot:`. */
  prefix: string;
  /** Approximate cap on entries (XADD MAXLEN ~); 0 keeps any number. Default 1 000 000. */
  maxEntries?: number;
  /** Entries older than this are trimmed (XTRIM MINID ~); 0 keeps any age. Default 90 days. */
  maxAgeMs?: number;
  /** Value redaction for every string in a record; default: credential shapes only (no known secrets). */
  scrub?: (text: string) => string;
  /** Entries fetched per round trip by `query` and `scan`. */
  pageSize?: number;
  /** Most entries one `query` inspects before it returns what it found; bounds a rare-user search. */
  maxScanned?: number;
}

export const MAX_QUERY_LIMIT = 500;
const DEFAULT_QUERY_LIMIT = 50;
const KINDS: readonly AuditKind[] = ["invocation", "approval", "job", "action"];
const FIELDS = [
  "at",
  "kind",
  "requestId",
  "actor",
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
 * KEYS: stream, write marker. ARGV: at, maxEntries, maxAgeMs, markerTtlMs, field, value, …. Returns the
 * entry id. A record whose marker exists was already added (a retry of a write whose answer was lost, e.g.
 * after a timeout while RedisClient hung): its first id is returned and nothing is added twice.
 */
const APPEND_LUA = `
local seen = redis.call('GET', KEYS[2])
if seen then return seen end
local ms = ARGV[1]
if redis.call('EXISTS', KEYS[1]) == 1 then
  local info = redis.call('XINFO', 'STREAM', KEYS[1])
  for i = 1, #info, 2 do
    if info[i] == 'last-generated-id' then
      local last = string.match(info[i + 1], '^(%d+)-')
      if tonumber(last) > tonumber(ms) then ms = last end
    end
  end
end
local cmd = {'XADD', KEYS[1]}
if tonumber(ARGV[2]) > 0 then
  table.insert(cmd, 'MAXLEN')
  table.insert(cmd, '~')
  table.insert(cmd, ARGV[2])
end
table.insert(cmd, ms .. '-*')
for i = 5, #ARGV do table.insert(cmd, ARGV[i]) end
local id = redis.call(unpack(cmd))
local maxAge = tonumber(ARGV[3])
if maxAge > 0 and tonumber(ms) > maxAge then
  redis.call('XTRIM', KEYS[1], 'MINID', '~', tostring(tonumber(ms) - maxAge))
end
redis.call('SET', KEYS[2], id, 'PX', ARGV[4])
return id
`;

/** How long a write marker lives: longer than any retry of the same record can take to arrive. */
const WRITE_MARKER_TTL_MS = 6 * 3_600_000;

type ScriptedRedis = RedisClient & {
  pvebotAuditAppend(
    stream: string,
    marker: string,
    at: string,
    maxEntries: number,
    maxAgeMs: number,
    markerTtlMs: number,
    ...fields: string[]
  ): Promise<string>;
};

type StreamEntry = [id: string, fields: string[]];

export class RedisAuditLog implements AuditLog {
  private readonly redis: ScriptedRedis;
  private readonly key: string;
  private readonly maxEntries: number;
  private readonly maxAgeMs: number;
  private readonly scrub: (text: string) => string;
  private readonly pageSize: number;
  private readonly maxScanned: number;

  constructor(redis: RedisClient, options: RedisAuditLogOptions) {
    redis.defineCommand("pvebotAuditAppend", { numberOfKeys: 2, lua: APPEND_LUA });
    this.redis = redis as ScriptedRedis;
    this.key = `${options.prefix}audit`;
    this.maxEntries = options.maxEntries ?? DEFAULT_AUDIT_MAX_ENTRIES;
    this.maxAgeMs = options.maxAgeMs ?? DEFAULT_AUDIT_MAX_AGE_MS;
    this.scrub = options.scrub ?? createScrubber([]);
    this.pageSize = options.pageSize ?? 200;
    this.maxScanned = options.maxScanned ?? 100_000;
  }

  async append(record: AuditRecord): Promise<string> {
    validate(record);
    const sanitized: AuditRecord = record.args ? { ...record, args: sanitizeArgs(record.args) } : record;
    const stored = scrubDeep(sanitized, this.scrub);
    const fields: string[] = [];
    for (const name of FIELDS) {
      const value = stored[name];
      if (value !== undefined) fields.push(name, JSON.stringify(value));
    }
    return guarded(() =>
      this.redis.pvebotAuditAppend(
        this.key,
        `${this.key}:written:${createHash("sha256").update(JSON.stringify(fields)).digest("hex").slice(0, 32)}`,
        String(record.at),
        this.maxEntries,
        this.maxAgeMs,
        WRITE_MARKER_TTL_MS,
        ...fields,
      ),
    );
  }

  async query(q: AuditQuery): Promise<AuditRecord[]> {
    const limit = q.limit ?? DEFAULT_QUERY_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_QUERY_LIMIT) {
      throw new UserError(
        "E_ARGS",
        `limit must be a whole number from 1 to ${MAX_QUERY_LIMIT}; got ${q.limit}`,
      );
    }
    const since = q.since ?? 0;
    const user = q.user?.toLowerCase();
    const command = q.command?.trim().replace(/\s+/g, ".");
    const matches = (r: AuditRecord) =>
      r.at >= since &&
      (command === undefined || r.command === command) &&
      (user === undefined || r.actor?.id === q.user || r.actor?.name.toLowerCase() === user);

    const out: AuditRecord[] = [];
    const floor = since > 0 ? String(Math.floor(since)) : "-";
    let end = "+";
    let scanned = 0;
    while (out.length < limit && scanned < this.maxScanned) {
      const page = (await guarded(() =>
        this.redis.xrevrange(this.key, end, floor, "COUNT", this.pageSize),
      )) as StreamEntry[];
      for (const entry of page) {
        const record = decode(entry);
        if (matches(record)) out.push(record);
        if (out.length === limit) break;
      }
      scanned += page.length;
      if (page.length < this.pageSize) break;
      end = `(${page.at(-1)![0]}`;
    }
    return out;
  }

  async *scan(since: number): AsyncIterable<AuditRecord> {
    let start = since > 0 ? String(Math.floor(since)) : "-";
    for (;;) {
      const page = (await guarded(() =>
        this.redis.xrange(this.key, start, "+", "COUNT", this.pageSize),
      )) as StreamEntry[];
      for (const entry of page) {
        const record = decode(entry);
        if (record.at >= since) yield record;
      }
      if (page.length < this.pageSize) return;
      start = `(${page.at(-1)![0]}`;
    }
  }
}

function validate(record: AuditRecord): void {
  if (!Number.isSafeInteger(record.at) || record.at < 0) {
    throw new TypeError(`audit record: at must be a non-negative whole number of ms; got ${record.at}`);
  }
  if (!KINDS.includes(record.kind))
    throw new TypeError(`audit record: unknown kind ${JSON.stringify(record.kind)}`);
  if (typeof record.requestId !== "string" || record.requestId === "") {
    throw new TypeError("audit record: requestId is required");
  }
  if (typeof record.outcome !== "string" || record.outcome === "") {
    throw new TypeError("audit record: outcome is required");
  }
}

function decode([id, flat]: StreamEntry): AuditRecord {
  const record: Record<string, unknown> = { id };
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const name = flat[i]!;
    if ((FIELDS as readonly string[]).includes(name)) record[name] = JSON.parse(flat[i + 1]!);
  }
  return record as unknown as AuditRecord;
}
