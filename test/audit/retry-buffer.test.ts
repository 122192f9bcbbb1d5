/**
 * The audit retry buffer against a real Redis that is not there (a closed port) and one that comes back:
 * bounded, ordered, counted, and honest about what it loses.
 */
import { afterEach, describe, expect, it } from "vitest";
import { RedisAuditLog } from "../../src/adapters/store/audit-log.js";
import { createRedis, waitUntilReady } from "../../src/adapters/store/redis.js";
import { createMetrics } from "../../src/bot/metrics.js";
import type { AuditRecord } from "../../src/services/audit/record.js";
import { AuditRetryBuffer, type AuditRetryEvent } from "../../src/services/audit/retry-buffer.js";
import { PrivateRedis } from "../helpers/private-redis.js";
import { closedPort, type LogEntry, memoryLog } from "../store/helpers.js";

const rec = (i: number): AuditRecord => ({
  at: Date.now(),
  kind: "invocation",
  requestId: `r${i}`,
  step: "run",
  outcome: "ok",
});

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const done of cleanup.splice(0).reverse()) await done();
});

async function unreachableAudit() {
  const redis = createRedis(`redis://127.0.0.1:${await closedPort()}`, { log: memoryLog(), name: "t" });
  cleanup.push(() => redis.disconnect());
  return new RedisAuditLog(redis, { prefix: "test:unreachable:" });
}

describe("AuditRetryBuffer", () => {
  it("keeps at most `capacity` records, dropping the oldest, and counts and logs each drop", async () => {
    const logs: LogEntry[] = [];
    const events: AuditRetryEvent[] = [];
    const buffer = new AuditRetryBuffer({
      audit: await unreachableAudit(),
      log: memoryLog(logs),
      capacity: 3,
      retryMs: 60_000,
      onEvent: (e) => events.push(e),
    });
    for (let i = 0; i < 5; i++) await buffer.write(rec(i));
    expect(buffer.size).toBe(3);
    expect(events.filter((e) => e === "buffered")).toHaveLength(5);
    expect(events.filter((e) => e === "dropped")).toHaveLength(2);
    expect(logs.filter((l) => l.msg?.includes("oldest waiting record is dropped"))).toHaveLength(2);
    expect(logs.filter((l) => l.msg?.includes("audit write failed"))).toHaveLength(1);

    await buffer.close();
    expect(buffer.size).toBe(0);
    expect(events.filter((e) => e === "dropped")).toHaveLength(5);
    const lost = logs.find((l) => l.msg?.includes("lost"));
    expect(lost?.obj).toMatchObject({ lost: 3, requestIds: ["r2", "r3", "r4"] });
  });

  it("drops a record the store refuses for good (not an outage) at once, without retrying it", async () => {
    const events: AuditRetryEvent[] = [];
    const buffer = new AuditRetryBuffer({
      audit: await unreachableAudit(),
      log: memoryLog(),
      onEvent: (e) => events.push(e),
      retryable: () => false,
    });
    await buffer.write(rec(1));
    expect(buffer.size).toBe(0);
    expect(events).toEqual(["dropped"]);
  });

  it("writes what it kept, in order, once Redis is back; the metrics count the failures", async () => {
    const server = await PrivateRedis.start();
    cleanup.push(() => server.kill());
    const redis = createRedis(server.url, { log: memoryLog(), name: "t", maxBackoffMs: 100 });
    cleanup.push(() => redis.disconnect());
    await waitUntilReady(redis, 3000);
    const metrics = createMetrics({ processMetrics: false });
    const buffer = new AuditRetryBuffer({
      audit: new RedisAuditLog(redis, { prefix: "t:" }),
      log: memoryLog(),
      retryMs: 50,
      maxRetryMs: 200,
      onEvent: (e, n) => metrics.observeAuditRetry(e, n),
    });
    cleanup.push(() => buffer.close());
    await buffer.write(rec(0));
    await server.kill();
    for (let i = 1; i <= 3; i++) await buffer.write(rec(i));
    expect(buffer.size).toBe(3);
    const during = await metrics.render();
    expect(during).toMatch(/^audit_write_failures_total 3$/m);
    expect(during).toMatch(/^audit_records_buffered 3$/m);

    await server.restart();
    const until = Date.now() + 10_000;
    while (buffer.size > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(buffer.size).toBe(0);
    const entries = (await redis.xrange("t:audit", "-", "+")) as [string, string[]][];
    // r0 was written before the kill and the private server keeps nothing across it.
    expect(entries.map(([, f]) => JSON.parse(f[f.indexOf("requestId") + 1]!))).toEqual(["r1", "r2", "r3"]);
    const after = await metrics.render();
    expect(after).toMatch(/^audit_records_buffered 0$/m);
    expect(after).toMatch(/^audit_records_dropped_total 0$/m);
  });
});
