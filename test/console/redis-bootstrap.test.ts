import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { pingRedis } from "../../src/adapters/store/redis.js";
import { ensureRedis } from "../../src/bot/redis-bootstrap.js";
import { memoryLog } from "./helpers.js";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

/** A loopback port nobody listens on: bound, read, released. */
async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

describe("ensureRedis", () => {
  it("uses a Redis that answers and starts nothing", async () => {
    const handle = await ensureRedis({ url: REDIS_URL, log: memoryLog(), allowPrivate: true });
    expect(handle).toMatchObject({ url: REDIS_URL, started: false });
    await handle.stop();
    expect((await pingRedis(REDIS_URL, 2000)).ok).toBe(true);
  });

  it("starts a private, non-persistent, loopback-only redis-server when the URL does not answer, and stops it", async () => {
    const port = await closedPort();
    const log = memoryLog();
    const handle = await ensureRedis({ url: `redis://127.0.0.1:${port}`, log, allowPrivate: true });
    expect(handle.started).toBe(true);
    expect(handle.url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    const client = new Redis(handle.url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on("error", () => {});
    let dir = "";
    try {
      const key = `test:${randomUUID()}:k`;
      await client.set(key, "v");
      expect(await client.get(key)).toBe("v");
      expect(await client.config("GET", "save")).toEqual(["save", ""]);
      expect(await client.config("GET", "appendonly")).toEqual(["appendonly", "no"]);
      expect(await client.config("GET", "bind")).toEqual(["bind", "127.0.0.1"]);
      dir = ((await client.config("GET", "dir")) as string[])[1] ?? "";
      expect(existsSync(dir)).toBe(true);
    } finally {
      client.disconnect();
      await handle.stop();
    }
    expect((await pingRedis(handle.url, 500)).ok).toBe(false);
    expect(existsSync(dir)).toBe(false);
    expect(log.entries.some((e) => e.level === "warn" && String(e.msg).includes("private"))).toBe(true);
  });

  it("says how to get a Redis when none answers and a private one is not allowed", async () => {
    const url = `redis://127.0.0.1:${await closedPort()}`;
    const attempt = ensureRedis({ url, log: memoryLog(), allowPrivate: false, pingTimeoutMs: 500 });
    await expect(attempt).rejects.toThrow(`Redis did not answer at ${url}`);
    await expect(attempt).rejects.toThrow(
      /apt-get install redis-server.*redis-server --daemonize yes.*REDIS_URL/,
    );
  });

  it("gives the same advice when redis-server is not on the search path", async () => {
    const url = `redis://127.0.0.1:${await closedPort()}`;
    await expect(
      ensureRedis({ url, log: memoryLog(), allowPrivate: true, searchPath: "/nonexistent-dir" }),
    ).rejects.toThrow(/Redis did not answer at .*apt-get install redis-server/);
  });

  it("never shows the password of the URL", async () => {
    const port = await closedPort();
    const error = await ensureRedis({
      url: `redis://deployer:s3cr3t-pw@127.0.0.1:${port}/2`,
      log: memoryLog(),
      allowPrivate: false,
    }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).not.toContain("s3cr3t-pw");
    expect((error as Error).message).toContain(`redis://deployer:***@127.0.0.1:${port}/2`);
  });

  it("reports a Redis that answers with an error instead of replacing it", async () => {
    const parsed = new URL(REDIS_URL);
    parsed.username = `nobody-${randomUUID().slice(0, 8)}`;
    parsed.password = "wrong-pw";
    const log = memoryLog();
    const error = await ensureRedis({ url: parsed.toString(), log, allowPrivate: true }).catch(
      (e: Error) => e,
    );
    expect((error as Error).message).toMatch(/answered with an error: WRONGPASS/);
    expect((error as Error).message).not.toContain("wrong-pw");
    expect(log.entries.some((e) => String(e.msg).includes("private"))).toBe(false);
  });
});
