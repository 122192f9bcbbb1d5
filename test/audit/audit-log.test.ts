import type { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { RedisAuditLog } from "../../src/adapters/store/audit-log.js";
import type { AuditRecord } from "../../src/services/audit/record.js";
import { eachTestRedis } from "../store/helpers.js";

const T0 = Date.UTC(2026, 10, 20, 8, 0);

let redis: Redis;
let prefix: string;
eachTestRedis((r, p) => {
  redis = r;
  prefix = p;
});

function rec(i: number, extra: Partial<AuditRecord> = {}): AuditRecord {
  return {
    at: T0 + i * 60_000,
    kind: "invocation",
    requestId: `req-${i}`,
    actor: { platform: "slack", id: i % 2 === 0 ? "UALICE" : "UBOB", name: i % 2 === 0 ? "Alice" : "bob" },
    channel: "C0OPS",
    command: i % 3 === 0 ? "template.delete" : "vm.list",
    outcome: "ok",
    step: "run",
    durationMs: i,
    ...extra,
  };
}

describe("RedisAuditLog", () => {
  it("appends records that read back with their types, secrets removed", async () => {
    const audit = new RedisAuditLog(redis, { prefix });
    const id = await audit.append(rec(1, { args: { vmid: 9000, cipassword: "hunter2", force: true } }));
    expect(id).toMatch(new RegExp(`^${T0 + 60_000}-\\d+$`));
    const [got] = await audit.query({});
    expect(got).toEqual({ ...rec(1), id, args: { vmid: 9000, cipassword: "[redacted]", force: true } });
    const raw = await redis.xrange(`${prefix}audit`, "-", "+");
    expect(JSON.stringify(raw)).not.toContain("hunter2");
  });

  it("queries newest first with user (id or name), command, since and limit filters", async () => {
    const audit = new RedisAuditLog(redis, { prefix, pageSize: 4 });
    for (let i = 0; i < 20; i++) await audit.append(rec(i));
    const newest = await audit.query({ limit: 3 });
    expect(newest.map((r) => r.requestId)).toEqual(["req-19", "req-18", "req-17"]);
    expect((await audit.query({ user: "UBOB" })).every((r) => r.actor?.id === "UBOB")).toBe(true);
    expect((await audit.query({ user: "alice" })).map((r) => r.requestId)).toHaveLength(10);
    expect((await audit.query({ command: "template delete" })).map((r) => r.requestId)).toEqual([
      "req-18",
      "req-15",
      "req-12",
      "req-9",
      "req-6",
      "req-3",
      "req-0",
    ]);
    const since = await audit.query({ since: T0 + 15 * 60_000, user: "Alice", command: "template.delete" });
    expect(since.map((r) => r.requestId)).toEqual(["req-18"]);
    expect(await audit.query({ user: "nobody" })).toEqual([]);
  });

  it("refuses a limit above 500 or below 1 with a clear error", async () => {
    const audit = new RedisAuditLog(redis, { prefix });
    await expect(audit.query({ limit: 501 })).rejects.toMatchObject({
      code: "E_ARGS",
      message: "limit must be a whole number from 1 to 500; got 501",
    });
    await expect(audit.query({ limit: 0 })).rejects.toMatchObject({ code: "E_ARGS" });
    expect(await audit.query({ limit: 500 })).toEqual([]);
  });

  it("scans oldest first in pages from `since`", async () => {
    const audit = new RedisAuditLog(redis, { prefix, pageSize: 3 });
    for (let i = 0; i < 10; i++) await audit.append(rec(i));
    const all: string[] = [];
    for await (const r of audit.scan(0)) all.push(r.requestId);
    expect(all).toEqual(Array.from({ length: 10 }, (_, i) => `req-${i}`));
    const later: string[] = [];
    for await (const r of audit.scan(T0 + 4 * 60_000)) later.push(r.requestId);
    expect(later).toEqual(["req-4", "req-5", "req-6", "req-7", "req-8", "req-9"]);
  });

  it("keeps order and since filters right when a clock runs behind another", async () => {
    const audit = new RedisAuditLog(redis, { prefix });
    await audit.append(rec(10));
    const behind = await audit.append(rec(2, { requestId: "skewed" }));
    expect(behind.startsWith(`${T0 + 10 * 60_000}-`)).toBe(true);
    const fromScan: string[] = [];
    for await (const r of audit.scan(T0 + 5 * 60_000)) fromScan.push(r.requestId);
    expect(fromScan).toEqual(["req-10"]);
    expect((await audit.query({ since: T0 })).map((r) => r.requestId)).toEqual(["skewed", "req-10"]);
  });

  it("refuses malformed records and stores nothing", async () => {
    const audit = new RedisAuditLog(redis, { prefix });
    await expect(audit.append({ ...rec(1), at: -5 })).rejects.toThrow(/at must be/);
    await expect(audit.append({ ...rec(1), kind: "bogus" as "job" })).rejects.toThrow(/unknown kind/);
    await expect(audit.append({ ...rec(1), outcome: "" })).rejects.toThrow(/outcome/);
    expect(await redis.exists(`${prefix}audit`)).toBe(0);
  });

  it("adds a record once when its write is retried after the first one did reach Redis", async () => {
    const audit = new RedisAuditLog(redis, { prefix });
    const first = await audit.append(rec(1));
    const again = await audit.append(rec(1));
    expect(again).toBe(first);
    expect(await redis.xlen(`${prefix}audit`)).toBe(1);
    await audit.append(rec(1, { outcome: "error" }));
    expect(await redis.xlen(`${prefix}audit`)).toBe(2);
  });

  it("trims to about maxEntries when asked", async () => {
    const audit = new RedisAuditLog(redis, { prefix, maxEntries: 10 });
    for (let i = 0; i < 300; i++) await audit.append(rec(i));
    const length = await redis.xlen(`${prefix}audit`);
    expect(length).toBeLessThan(300);
    expect(length).toBeGreaterThanOrEqual(10);
  });
});
