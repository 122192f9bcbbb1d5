import { type AddressInfo, createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { RedisApprovalStore } from "../../src/adapters/store/approval-store.js";
import {
  createRedis,
  pingClient,
  pingRedis,
  reconnectDelay,
  redactRedisUrl,
  waitUntilReady,
  whenUnavailable,
} from "../../src/adapters/store/redis.js";
import type { RedisClient } from "../../src/adapters/store/redis-target.js";
import { UnavailableError } from "../../src/services/errors.js";
import { closedPort, dropPrefix, memoryLog, REDIS_URL, testRedis, uniquePrefix } from "./helpers.js";

const opened: RedisClient[] = [];
afterEach(() => {
  for (const client of opened.splice(0)) client.disconnect();
});

function track(client: RedisClient): RedisClient {
  opened.push(client);
  return client;
}

describe("redactRedisUrl", () => {
  it("hides passwords in both URL forms and leaves password-free URLs alone", () => {
    expect(redactRedisUrl("redis://:hunter2@db:6379/0")).toBe("redis://:***@db:6379/0");
    expect(redactRedisUrl("rediss://app:hunter2@db:6380")).toBe("rediss://app:***@db:6380");
    expect(redactRedisUrl("redis://127.0.0.1:6379")).toBe("redis://127.0.0.1:6379");
    expect(redactRedisUrl("redis://onlytoken@db")).not.toContain("onlytoken");
    expect(redactRedisUrl("redis://:p@ss w0rd@[bad")).not.toContain("w0rd");
  });
});

describe("reconnectDelay", () => {
  it("grows and is capped, and never gives up", () => {
    expect(reconnectDelay(1)).toBe(100);
    expect(reconnectDelay(2)).toBe(200);
    expect(reconnectDelay(50, 3000)).toBe(3000);
    expect(reconnectDelay(10_000)).toBe(5000);
  });
});

describe("pingRedis", () => {
  it("answers ok for the running Redis", async () => {
    const result = await pingRedis(REDIS_URL, 2000);
    expect(result.ok).toBe(true);
    expect(result.detail).toMatch(/answered PING in \d+ ms/);
  });

  it("names the address, the wait and the socket error for a closed port, quickly, without the password", async () => {
    const port = await closedPort();
    const started = Date.now();
    const result = await pingRedis(`redis://:s3cretpw@127.0.0.1:${port}`, 2000);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(result).toEqual({
      ok: false,
      detail: `Redis at redis://:***@127.0.0.1:${port} did not answer within 2 s: ECONNREFUSED`,
    });
  });

  it("tells a refused login apart from an unreachable server", async () => {
    const result = await pingRedis(REDIS_URL.replace("redis://", "redis://nosuchuser:wrongpw@"), 2000);
    expect(result.ok).toBe(false);
    expect(result.detail).toMatch(/refused the connection: WRONGPASS/);
    expect(result.detail).not.toContain("wrongpw");
  });

  it("gives up on a server that accepts the connection but never answers", async () => {
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const started = Date.now();
      const result = await pingRedis(`redis://127.0.0.1:${port}`, 300);
      expect(Date.now() - started).toBeLessThan(1000);
      expect(result).toEqual({
        ok: false,
        detail: `Redis at redis://127.0.0.1:${port} did not answer within 300 ms: no reply`,
      });
    } finally {
      silent.close();
    }
  });
});

describe("createRedis", () => {
  it("works once ready and reports health through pingClient", async () => {
    const client = track(createRedis(REDIS_URL, { log: memoryLog(), name: "test" }));
    await waitUntilReady(client, 2000);
    expect(await client.ping()).toBe("PONG");
    expect((await pingClient(client, 1000)).ok).toBe(true);
  });

  it("fails store calls fast with UnavailableError while Redis is unreachable, and logs no password", async () => {
    const port = await closedPort();
    const log = memoryLog();
    const client = track(createRedis(`redis://:s3cretpw@127.0.0.1:${port}`, { log, name: "down" }));
    const store = new RedisApprovalStore(client, { prefix: uniquePrefix() });
    await new Promise((r) => setTimeout(r, 150));
    const started = Date.now();
    await expect(store.get("abcdef123")).rejects.toBeInstanceOf(UnavailableError);
    await expect(store.listPending()).rejects.toMatchObject({ code: "E_UNAVAILABLE" });
    expect(Date.now() - started).toBeLessThan(200);
    expect((await pingClient(client, 300)).ok).toBe(false);
    expect(log.entries.some((e) => e.level === "warn")).toBe(true);
    expect(JSON.stringify(log.entries)).not.toContain("s3cretpw");
  });

  it("reconnects by itself after the server drops the connection", async () => {
    const log = memoryLog();
    const client = track(createRedis(REDIS_URL, { log, name: "reconnect" }));
    await waitUntilReady(client, 2000);
    const id = await client.client("ID");
    const admin = track(testRedis());
    await admin.client("KILL", "ID", String(id));
    await new Promise((r) => setTimeout(r, 20));
    await waitUntilReady(client, 3000);
    expect(await client.ping()).toBe("PONG");
    expect(await client.client("ID")).not.toBe(id);
  });

  it("waitUntilReady gives up with UnavailableError after its timeout", async () => {
    const port = await closedPort();
    const client = track(createRedis(`redis://127.0.0.1:${port}`, { log: memoryLog() }));
    const started = Date.now();
    await expect(waitUntilReady(client, 300)).rejects.toBeInstanceOf(UnavailableError);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe("whenUnavailable", () => {
  it("maps connection failures and leaves command errors alone", async () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" });
    expect(whenUnavailable(refused)).toBeInstanceOf(UnavailableError);
    expect(whenUnavailable(new Error("Connection is closed."))).toBeInstanceOf(UnavailableError);
    expect(whenUnavailable(new Error("Command timed out"))).toBeInstanceOf(UnavailableError);
    expect(whenUnavailable("nope")).toBeUndefined();

    const prefix = uniquePrefix();
    const client = track(testRedis());
    await client.set(`${prefix}str`, "x");
    const wrongType = await client.hgetall(`${prefix}str`).catch((err: unknown) => err);
    expect(wrongType).toBeInstanceOf(Error);
    expect(whenUnavailable(wrongType)).toBeUndefined();
    await dropPrefix(client, prefix);
  });
});
