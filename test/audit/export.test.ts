import { PassThrough } from "node:stream";
import type { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { runAuditExport } from "../../src/adapters/store/audit-export-cli.js";
import { RedisAuditLog } from "../../src/adapters/store/audit-log.js";
import { CSV_COLUMNS, csvCell, exportAudit, parseSince } from "../../src/services/audit/export.js";
import type { AuditRecord } from "../../src/services/audit/record.js";
import { closedPort, eachTestRedis, REDIS_URL } from "../store/helpers.js";

const NOW = Date.UTC(2026, 10, 26, 4, 0);

describe("parseSince", () => {
  it("reads spans back from now and ISO dates as UTC", () => {
    expect(parseSince("30m", NOW)).toBe(NOW - 30 * 60_000);
    expect(parseSince("24h", NOW)).toBe(NOW - 86_400_000);
    expect(parseSince("7d", NOW)).toBe(NOW - 7 * 86_400_000);
    expect(parseSince("2w", NOW)).toBe(NOW - 14 * 86_400_000);
    expect(parseSince("2026-11-01", NOW)).toBe(Date.UTC(2026, 10, 1));
    expect(parseSince("2026-11-01T08:30", NOW)).toBe(Date.UTC(2026, 10, 1, 8, 30));
    expect(parseSince("2026-11-01T08:30:00+02:00", NOW)).toBe(Date.UTC(2026, 10, 1, 6, 30));
  });

  it("refuses anything else with a message naming the accepted forms", () => {
    for (const bad of ["", "7", "7y", "-7d", "2026-02-30", "2026-13-01", "2026-11-01T25:00", "yesterday"]) {
      expect(() => parseSince(bad, NOW), bad).toThrow(
        `--since ${JSON.stringify(bad)} is not understood; use a span like 30m, 24h, 7d, 2w or a date like 2026-11-01`,
      );
    }
  });
});

describe("csvCell", () => {
  it("quotes per RFC 4180 and defuses spreadsheet formulas", () => {
    expect(csvCell("plain")).toBe("plain");
    expect(csvCell("a,b")).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell("two\nlines")).toBe('"two\nlines"');
    expect(csvCell("=HYPERLINK(1)")).toBe("'=HYPERLINK(1)");
    expect(csvCell("@x,y")).toBe('"\'@x,y"');
    expect(csvCell("")).toBe("");
  });
});

describe("exportAudit", () => {
  let redis: Redis;
  let prefix: string;
  eachTestRedis((r, p) => {
    redis = r;
    prefix = p;
  });

  async function seed(): Promise<RedisAuditLog> {
    const audit = new RedisAuditLog(redis, { prefix, pageSize: 2 });
    const base: AuditRecord = { at: 0, kind: "invocation", requestId: "", outcome: "ok" };
    await audit.append({ ...base, at: NOW - 10 * 86_400_000, requestId: "old" });
    await audit.append({
      ...base,
      at: NOW - 3_600_000,
      requestId: "r1",
      actor: { platform: "slack", id: "UBOB", name: 'Bob "the builder", Jr.' },
      command: "template.delete",
      args: { vmid: 9000, password: "hunter2" },
      detail: "line one\nline two",
      durationMs: 12,
    });
    await audit.append({ ...base, at: NOW - 60_000, requestId: "r2", kind: "approval", outcome: "approved" });
    await audit.append({
      ...base,
      at: NOW - 30_000,
      requestId: "r3",
      outcome: "error",
      detail: "=cmd|'/c calc'!A0",
    });
    return audit;
  }

  it("writes JSON lines oldest first from `since`", async () => {
    const audit = await seed();
    const chunks: string[] = [];
    const count = await exportAudit(audit, { since: NOW - 7 * 86_400_000, format: "jsonl" }, (c) => {
      chunks.push(c);
    });
    expect(count).toBe(3);
    const lines = chunks.join("").trimEnd().split("\n");
    const rows = lines.map((l) => JSON.parse(l) as AuditRecord);
    expect(rows.map((r) => r.requestId)).toEqual(["r1", "r2", "r3"]);
    expect(rows[0]?.args).toEqual({ vmid: 9000, password: "[redacted]" });
    expect(chunks.join("")).not.toContain("hunter2");
  });

  it("writes CSV with a header and correct quoting", async () => {
    const audit = await seed();
    let out = "";
    const count = await exportAudit(audit, { since: NOW - 7 * 86_400_000, format: "csv" }, (c) => {
      out += c;
    });
    expect(count).toBe(3);
    const [header, first] = out.split("\r\n");
    expect(header).toBe(CSV_COLUMNS.join(","));
    const id = first!.split(",")[0];
    expect(first).toBe(
      [
        id,
        new Date(NOW - 3_600_000).toISOString(),
        "invocation",
        "r1",
        "slack",
        "UBOB",
        '"Bob ""the builder"", Jr."',
        "",
        "template.delete",
        '"{""vmid"":9000,""password"":""[redacted]""}"',
        "ok",
        "",
        "12",
        "",
        "",
        '"line one\nline two"',
      ].join(","),
    );
    expect(out).toContain(",error,,,,,'=cmd|'/c calc'!A0\r\n");
    expect(out.endsWith("\r\n")).toBe(true);
  });

  it("refuses an unknown format before writing anything", async () => {
    const audit = await seed();
    const chunks: string[] = [];
    await expect(
      exportAudit(audit, { since: 0, format: "xml" as "csv" }, (c) => {
        chunks.push(c);
      }),
    ).rejects.toMatchObject({ code: "E_ARGS" });
    expect(chunks).toEqual([]);
  });

  it("runAuditExport streams from Redis to a stdout-like stream and returns the count", async () => {
    await seed();
    const stdout = new PassThrough();
    let text = "";
    stdout.on("data", (d: Buffer) => {
      text += d.toString();
    });
    const count = await runAuditExport({
      redisUrl: REDIS_URL,
      prefix,
      since: "2h",
      format: "jsonl",
      stdout,
      now: () => NOW,
    });
    expect(count).toBe(3);
    expect(text.trimEnd().split("\n")).toHaveLength(3);
  });
});

describe("runAuditExport failures", () => {
  it("answers quickly and without the password when Redis is down", async () => {
    const port = await closedPort();
    const started = Date.now();
    const failure = await runAuditExport({
      redisUrl: `redis://:s3cret@127.0.0.1:${port}`,
      prefix: "test:none:",
      since: "7d",
      format: "csv",
      stdout: new PassThrough(),
    }).catch((err: unknown) => err as { code: string; message: string });
    expect(Date.now() - started).toBeLessThan(1500);
    expect(failure).toMatchObject({
      code: "E_UNAVAILABLE",
      message: `Redis at redis://:***@127.0.0.1:${port} did not answer within 2 s: ECONNREFUSED`,
    });
  });

  it("rejects bad flags before connecting", async () => {
    const port = await closedPort();
    const base = { redisUrl: `redis://127.0.0.1:${port}`, prefix: "p:", stdout: new PassThrough() };
    await expect(runAuditExport({ ...base, since: "soon", format: "csv" })).rejects.toMatchObject({
      code: "E_ARGS",
    });
    await expect(runAuditExport({ ...base, since: "7d", format: "xml" as "csv" })).rejects.toMatchObject({
      code: "E_ARGS",
      message: '--format "xml" is not supported; use jsonl or csv',
    });
  });
});
