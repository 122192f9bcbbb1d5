/**
 * The audit stream is bounded by age and by count (XADD MAXLEN ~, XTRIM MINID ~): old records go, recent
 * ones stay. `~` trims whole stream nodes (100 entries by default), hence the "at most one node" margins.
 */
import type { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_AUDIT_MAX_AGE_MS,
  DEFAULT_AUDIT_MAX_ENTRIES,
  RedisAuditLog,
} from "../../src/adapters/store/audit-log.js";
import { configSchema } from "../../src/bot/config/schema.js";
import type { AuditRecord } from "../../src/services/audit/record.js";
import { eachTestRedis } from "../store/helpers.js";

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
const NODE = 100;

let redis: Redis;
let prefix: string;
eachTestRedis((r, p) => {
  redis = r;
  prefix = p;
});

function rec(at: number, requestId: string): AuditRecord {
  return { at, kind: "invocation", requestId, outcome: "ok", step: "run", command: "vm.list" };
}

async function requestIds(): Promise<string[]> {
  const entries = (await redis.xrange(`${prefix}audit`, "-", "+")) as [string, string[]][];
  return entries.map(([, fields]) => JSON.parse(fields[fields.indexOf("requestId") + 1]!) as string);
}

describe("audit retention", () => {
  it("drops records older than maxAge once newer ones arrive, keeping every recent record", async () => {
    const audit = new RedisAuditLog(redis, { prefix, maxAgeMs: 30 * DAY });
    for (let i = 0; i < 5 * NODE; i++) await audit.append(rec(T0 + i, `old-${i}`));
    for (let i = 0; i < 50; i++) await audit.append(rec(T0 + 31 * DAY + i, `new-${i}`));
    const ids = await requestIds();
    expect(ids.filter((id) => id.startsWith("new-"))).toHaveLength(50);
    expect(ids.filter((id) => id.startsWith("old-")).length).toBeLessThanOrEqual(NODE);
  });

  it("keeps records younger than maxAge, however many days they span", async () => {
    const audit = new RedisAuditLog(redis, { prefix, maxAgeMs: 30 * DAY });
    for (let i = 0; i < 3 * NODE; i++) await audit.append(rec(T0 + i * ((29 * DAY) / (3 * NODE)), `r-${i}`));
    expect(await redis.xlen(`${prefix}audit`)).toBe(3 * NODE);
  });

  it("caps the number of records at about maxEntries, dropping the oldest", async () => {
    const audit = new RedisAuditLog(redis, { prefix, maxEntries: 2 * NODE });
    for (let i = 0; i < 6 * NODE; i++) await audit.append(rec(T0 + i, `r-${i}`));
    const ids = await requestIds();
    expect(ids.length).toBeGreaterThanOrEqual(2 * NODE);
    expect(ids.length).toBeLessThanOrEqual(3 * NODE);
    expect(ids.at(-1)).toBe(`r-${6 * NODE - 1}`);
    expect(ids).not.toContain("r-0");
  });

  it("is bounded by default: 90 days and one million records", async () => {
    expect(DEFAULT_AUDIT_MAX_AGE_MS).toBe(90 * DAY);
    expect(DEFAULT_AUDIT_MAX_ENTRIES).toBe(1_000_000);
    const audit = new RedisAuditLog(redis, { prefix });
    for (let i = 0; i < 3 * NODE; i++) await audit.append(rec(T0 + i, `old-${i}`));
    await audit.append(rec(T0 + 89 * DAY, "day-89"));
    expect(await redis.xlen(`${prefix}audit`)).toBe(3 * NODE + 1);
    await audit.append(rec(T0 + 91 * DAY, "day-91"));
    const ids = await requestIds();
    expect(ids.filter((id) => id.startsWith("old-")).length).toBeLessThanOrEqual(NODE);
    expect(ids.slice(-2)).toEqual(["day-89", "day-91"]);
  });
});

describe("audit retention config", () => {
  it("defaults to 90 days and one million records", () => {
    const config = configSchema.parse({});
    expect(config.audit).toEqual({ maxAge: 90 * DAY, maxEntries: 1_000_000 });
  });

  it("reads durations and counts", () => {
    const config = configSchema.parse({ audit: { maxAge: "365d", maxEntries: 5000 } });
    expect(config.audit).toEqual({ maxAge: 365 * DAY, maxEntries: 5000 });
  });

  it.each([
    [{ maxAge: 0 }, "audit.maxAge"],
    [{ maxAge: "12h" }, "audit.maxAge"],
    [{ maxAge: "4000d" }, "audit.maxAge"],
    [{ maxEntries: 0 }, "audit.maxEntries"],
    [{ maxEntries: 10.5 }, "audit.maxEntries"],
    [{ keep: "forever" }, "audit"],
  ])("refuses %j, naming %s", (audit, path) => {
    const result = configSchema.safeParse({ audit });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join("."))).toContain(path);
  });
});
