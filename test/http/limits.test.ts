/**
 * The bounded HTTP surface, over raw sockets: bodies over the limit are refused with 413 (by the declared
 * length before any body byte is sent, or as soon as a chunked body passes the limit) and their connection
 * is closed; slow heads, slow bodies and idle keep-alives are cut off; the connection cap holds.
 */
import { connect, type Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { sendJson } from "../../src/bot/http/respond.js";
import { closeServersAfterEach, start } from "./helpers.js";

closeServersAfterEach();

interface Conversation {
  socket: Socket;
  /** Everything the server sent so far. */
  received(): string;
  /** Resolves when the server has sent text matching `pattern`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves with the milliseconds since `connect` when the connection closes. */
  closed: Promise<number>;
}

async function open(port: number): Promise<Conversation> {
  const socket = connect(port, "127.0.0.1");
  const started = performance.now();
  let text = "";
  const waiters: Array<() => void> = [];
  socket.on("data", (c: Buffer) => {
    text += c.toString("latin1");
    for (const w of waiters.splice(0)) w();
  });
  socket.on("error", () => {});
  const closed = new Promise<number>((resolve) =>
    socket.once("close", () => resolve(performance.now() - started)),
  );
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  return {
    socket,
    received: () => text,
    closed,
    waitFor: (pattern, timeoutMs = 5000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no ${pattern} within ${timeoutMs} ms: ${text}`)),
          timeoutMs,
        );
        const check = () => {
          if (pattern.test(text)) {
            clearTimeout(timer);
            resolve(text);
          } else waiters.push(check);
        };
        check();
        void closed.then(() => {
          if (!pattern.test(text)) {
            clearTimeout(timer);
            reject(new Error(`closed without ${pattern}: ${text}`));
          }
        });
      }),
  };
}

async function withHook(limits: Parameters<typeof start>[0] = {}) {
  const server = await start(limits);
  let calls = 0;
  server.server.mount({
    method: "POST",
    path: "/hook",
    handler: (_req, res, body) => {
      calls++;
      sendJson(res, 200, { bytes: body.length });
    },
  });
  return { ...server, calls: () => calls };
}

describe("request bodies", () => {
  it("refuses a body by its Content-Length with 413 before a byte of it is sent, and closes", async () => {
    const { port, calls } = await withHook({ limits: { maxBodyBytes: 1024 } });
    const c = await open(port);
    c.socket.write("POST /hook HTTP/1.1\r\nHost: x\r\nContent-Length: 104857600\r\n\r\n");
    const answer = await c.waitFor(/\r\n\r\n.*\}\n$/s);
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toMatch(/\r\nConnection: close\r\n/i);
    expect(answer).toContain('"message":"request body is larger than 1024 bytes"');
    await c.closed;
    expect(calls()).toBe(0);
  });

  it("stops reading a chunked body at the limit with 413, and closes", async () => {
    const { port, calls } = await withHook({ limits: { maxBodyBytes: 1024 } });
    const c = await open(port);
    c.socket.write("POST /hook HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
    c.socket.write(`400\r\n${"a".repeat(1024)}\r\n`);
    c.socket.write(`10\r\n${"b".repeat(16)}\r\n`);
    const answer = await c.waitFor(/\}\n$/);
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    // The client keeps sending; the server no longer reads, the connection ends.
    for (let i = 0; i < 8 && !c.socket.destroyed; i++) c.socket.write(`400\r\n${"c".repeat(1024)}\r\n`);
    await c.closed;
    expect(calls()).toBe(0);
  });

  it("accepts a chunked body within the limit", async () => {
    const { port, calls } = await withHook({ limits: { maxBodyBytes: 1024 } });
    const c = await open(port);
    c.socket.write(
      "POST /hook HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
    );
    c.socket.write(`200\r\n${"a".repeat(512)}\r\n200\r\n${"b".repeat(512)}\r\n0\r\n\r\n`);
    expect(await c.waitFor(/\}\n?$/)).toMatch(/^HTTP\/1\.1 200 [\s\S]*\{"bytes":1024\}/);
    expect(calls()).toBe(1);
  });

  it("answers Expect: 100-continue for a body too large with 413 instead of 100", async () => {
    const { port } = await withHook({ limits: { maxBodyBytes: 1024 } });
    const c = await open(port);
    c.socket.write("POST /hook HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n");
    const answer = await c.waitFor(/\}\n$/);
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).not.toContain("100 Continue");
    await c.closed;
  });

  it("tells a client that may send to go on with 100 Continue", async () => {
    const { port, calls } = await withHook({ limits: { maxBodyBytes: 1024 } });
    const c = await open(port);
    c.socket.write("POST /hook HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
    await c.waitFor(/^HTTP\/1\.1 100 Continue\r\n\r\n/);
    c.socket.write("hello");
    expect(await c.waitFor(/\{"bytes":5\}/)).toContain("HTTP/1.1 200 ");
    expect(calls()).toBe(1);
    c.socket.destroy();
  });

  it("refuses a body sent to a built-in endpoint or an unknown path without reading it", async () => {
    const { port } = await withHook();
    const builtIn = await open(port);
    builtIn.socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 104857600\r\n\r\n");
    expect(await builtIn.waitFor(/\}\n$/)).toMatch(/^HTTP\/1\.1 413 [\s\S]*takes no request body/);
    await builtIn.closed;
    const unknown = await open(port);
    unknown.socket.write("POST /nowhere HTTP/1.1\r\nHost: x\r\nContent-Length: 104857600\r\n\r\n");
    expect(await unknown.waitFor(/\}\n$/)).toMatch(/^HTTP\/1\.1 404 [\s\S]*Connection: close/i);
    await unknown.closed;
  });
});

describe("timeouts and the connection cap", () => {
  it("closes connections whose request head trickles in, within the head timeout, with 408", async () => {
    const { port, base } = await start({ limits: { headersTimeoutMs: 500, requestTimeoutMs: 5000 } });
    const conversations = await Promise.all(Array.from({ length: 5 }, () => open(port)));
    const timers = conversations.map((c) => {
      c.socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n");
      return setInterval(() => {
        if (!c.socket.destroyed) c.socket.write("X");
      }, 50);
    });
    try {
      const closedAfter = await Promise.all(conversations.map((c) => c.closed));
      for (const [i, ms] of closedAfter.entries()) {
        expect(conversations[i]!.received()).toMatch(/^HTTP\/1\.1 408 /);
        // Not before the head timeout less one sweep, and not long after it.
        expect(ms).toBeGreaterThanOrEqual(440);
        expect(ms).toBeLessThan(2500);
      }
    } finally {
      for (const t of timers) clearInterval(t);
    }
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it("closes a connection that sends nothing, or its first byte late, counted from the connection", async () => {
    const { port } = await start({ limits: { headersTimeoutMs: 1000, requestTimeoutMs: 5000 } });
    const silent = await open(port);
    const late = await open(port);
    // The first byte only after most of the head timeout: Node alone would start counting at this byte
    // and close at about 1800 ms.
    const timer = setTimeout(() => late.socket.write("G"), 800);
    try {
      const [silentMs, lateMs] = await Promise.all([silent.closed, late.closed]);
      for (const c of [silent, late]) expect(c.received()).toMatch(/^HTTP\/1\.1 408 /);
      for (const ms of [silentMs, lateMs]) {
        expect(ms).toBeGreaterThanOrEqual(850);
        expect(ms).toBeLessThan(1500);
      }
    } finally {
      clearTimeout(timer);
    }
  });

  it("closes a request whose body trickles in past the request timeout", async () => {
    const { port, calls } = await withHook({ limits: { headersTimeoutMs: 300, requestTimeoutMs: 600 } });
    const c = await open(port);
    c.socket.write("POST /hook HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n");
    const timer = setInterval(() => {
      if (!c.socket.destroyed) c.socket.write("x");
    }, 50);
    try {
      const ms = await c.closed;
      expect(ms).toBeLessThan(3000);
      expect(c.received()).toMatch(/^HTTP\/1\.1 408 /);
    } finally {
      clearInterval(timer);
    }
    expect(calls()).toBe(0);
  });

  it("closes idle keep-alive connections after the keep-alive timeout", async () => {
    const { port } = await start({ limits: { keepAliveTimeoutMs: 200 } });
    const c = await open(port);
    c.socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    await c.waitFor(/"status":"ok"/);
    const ms = await c.closed;
    expect(ms).toBeLessThan(3000);
  });

  it("drops connections beyond the cap and takes new ones once others closed", async () => {
    const { port, base } = await start({ limits: { maxConnections: 2 } });
    const first = await open(port);
    const second = await open(port);
    // Both are accepted by the server before the third arrives.
    first.socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    second.socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    await Promise.all([first.waitFor(/"ok"/), second.waitFor(/"ok"/)]);
    const third = await open(port);
    third.socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    await third.closed;
    expect(third.received()).toBe("");
    first.socket.destroy();
    second.socket.destroy();
    await Promise.all([first.closed, second.closed]);
    await new Promise((r) => setTimeout(r, 50));
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });
});
