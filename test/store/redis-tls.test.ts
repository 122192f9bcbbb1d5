/**
 * `rediss://` connections verify the server's certificate even with NODE_TLS_REJECT_UNAUTHORIZED=0 in the
 * environment: the store client and the queue's connection settings both say rejectUnauthorized: true.
 * The server stands in for Redis and records whether any byte (AUTH with the password, a command) arrived.
 */
import type { AddressInfo } from "node:net";
import { createServer, type Server } from "node:tls";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { connectionFromUrl } from "../../src/adapters/queue/connection.js";
import { createRedis } from "../../src/adapters/store/redis.js";
import { silentLog } from "../../src/services/log.js";
import { createSelfSignedCert } from "../../src/sim/pve/tls.js";

const ENV = "NODE_TLS_REJECT_UNAUTHORIZED";
let server: Server;
let url: string;
let received: string[];
let handshakes: { ok: number; failed: number };
let saved: string | undefined;

beforeAll(async () => {
  const cert = await createSelfSignedCert("127.0.0.1");
  server = createServer({ cert: cert.certPem, key: cert.keyPem }, (socket) => {
    handshakes.ok += 1;
    socket.on("data", (d) => received.push(String(d)));
    socket.on("error", () => undefined);
  });
  server.on("tlsClientError", () => {
    handshakes.failed += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `rediss://:s3cret-pass@127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(() => {
  received = [];
  handshakes = { ok: 0, failed: 0 };
  saved = process.env[ENV];
  process.env[ENV] = "0";
});
afterEach(() => {
  if (saved === undefined) delete process.env[ENV];
  else process.env[ENV] = saved;
});

async function firstHandshake(): Promise<void> {
  const deadline = Date.now() + 5000;
  while (handshakes.ok + handshakes.failed === 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
  // A moment for anything a client would send right after an accepted handshake.
  await new Promise((r) => setTimeout(r, 100));
}

describe("rediss:// under NODE_TLS_REJECT_UNAUTHORIZED=0", () => {
  it("the store client refuses a self-signed server and sends it nothing", async () => {
    const client = createRedis(url, { log: silentLog, connectTimeoutMs: 2000, maxBackoffMs: 5000 });
    try {
      await firstHandshake();
      expect(handshakes.ok).toBe(0);
      expect(handshakes.failed).toBeGreaterThanOrEqual(1);
      expect(received).toEqual([]);
    } finally {
      client.disconnect();
    }
  });

  it("the queue's connection settings refuse it too", async () => {
    const client = new Redis({ ...connectionFromUrl(url), lazyConnect: true, retryStrategy: () => null });
    client.on("error", () => undefined);
    try {
      await expect(client.connect()).rejects.toThrow();
      await firstHandshake();
      expect(handshakes.ok).toBe(0);
      expect(handshakes.failed).toBeGreaterThanOrEqual(1);
      expect(received).toEqual([]);
    } finally {
      client.disconnect();
    }
  });
});
