import type { IncomingMessage, ServerResponse } from "node:http";
import { connect } from "node:net";
import { describe, expect, it } from "vitest";
import { sendJson } from "../../src/bot/http/respond.js";
import { createHttpServer } from "../../src/bot/http/server.js";
import { createLogger } from "../../src/bot/logger.js";
import { createMetrics } from "../../src/bot/metrics.js";
import { closeServersAfterEach, jsonOf, rawRequest, start } from "./helpers.js";

closeServersAfterEach();

const echo =
  (label: string) =>
  (req: IncomingMessage, res: ServerResponse): void => {
    req.resume();
    sendJson(res, 200, { route: label, method: req.method, url: req.url });
  };

describe("mounted routes", () => {
  it("serves routes given at creation and mounted later, exact before prefix, longest prefix first", async () => {
    const { base, server } = await start({
      routes: [{ method: "POST", path: "/slack/events", handler: echo("slack") }],
    });
    server.mount({ path: "/webhooks/", handler: echo("webhooks") });
    server.mount({ path: "/webhooks/grafana/", handler: echo("grafana") });
    server.mount({ path: "/webhooks/exact", handler: echo("exact") });

    const slack = await fetch(`${base}/slack/events`, { method: "POST", body: "{}" });
    expect(await jsonOf(slack)).toEqual({ route: "slack", method: "POST", url: "/slack/events" });
    const generic = await fetch(`${base}/webhooks/alertmanager?x=1`, { method: "PUT", body: "[]" });
    expect((await jsonOf(generic)).route).toBe("webhooks");
    expect((await jsonOf(await fetch(`${base}/webhooks/grafana/team-a`))).route).toBe("grafana");
    expect((await jsonOf(await fetch(`${base}/webhooks/exact`))).route).toBe("exact");
    expect((await fetch(`${base}/webhooks`)).status).toBe(404);
    server.mount({ method: "GET", path: "/webhooks/grafana/status/", handler: echo("status") });
    const fallsBack = await fetch(`${base}/webhooks/grafana/status/x`, { method: "POST" });
    expect((await jsonOf(fallsBack)).route).toBe("grafana");
  });

  it("answers 405 with Allow when the path is known but the method is not", async () => {
    const { base, server } = await start();
    server.mount({ method: "GET", path: "/only-get/", handler: echo("get") });
    const prefix405 = await fetch(`${base}/only-get/x`, { method: "DELETE" });
    expect(prefix405.status).toBe(405);
    expect(prefix405.headers.get("allow")).toBe("GET");
    server.mount({ method: "POST", path: "/slack/events", handler: echo("post") });
    server.mount({ method: "put", path: "/slack/events", handler: echo("put") });
    const res = await fetch(`${base}/slack/events`);
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST, PUT");
    expect((await jsonOf(await fetch(`${base}/slack/events`, { method: "PUT" }))).route).toBe("put");
  });

  it("turns a throwing or rejecting handler into a logged 500 and keeps serving", async () => {
    const { base, server, logs } = await start();
    server.mount({
      path: "/sync-throw",
      handler: () => {
        throw new Error("sync failure");
      },
    });
    server.mount({ path: "/async-reject", handler: async () => Promise.reject(new Error("async failure")) });
    for (const path of ["/sync-throw", "/async-reject"]) {
      const res = await fetch(`${base}${path}`);
      expect(res.status).toBe(500);
      expect(await jsonOf(res)).toEqual({ error: "internal_error", message: "internal error" });
    }
    const failures = logs().filter((l) => l.msg === "HTTP handler failed");
    expect(failures.map((l) => l.err.message)).toEqual(["sync failure", "async failure"]);
    expect(failures[0].err.stack).toContain("sync failure");
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it("refuses malformed, duplicate and built-in mounts at wiring time", async () => {
    const { server } = await start();
    server.mount({ method: "POST", path: "/hook", handler: echo("a") });
    expect(() => server.mount({ method: "POST", path: "/hook", handler: echo("b") })).toThrow(
      /already mounted/,
    );
    expect(() => server.mount({ path: "/hook", handler: echo("c") })).toThrow(/already mounted/);
    expect(() => server.mount({ path: "/metrics", handler: echo("d") })).toThrow(/built in/);
    expect(() => server.mount({ path: "hook", handler: echo("e") })).toThrow(/must start with/);
    expect(() => server.mount({ path: "/a b", handler: echo("f") })).toThrow(/must start with/);
  });

  it("hands every route its raw body, read by the server within the limit", async () => {
    const { base, server } = await start({ limits: { maxBodyBytes: 16 } });
    let calls = 0;
    server.mount({
      method: "POST",
      path: "/raw",
      handler: (_req, res, body) => {
        calls++;
        sendJson(res, 200, { bytes: body.length, text: body.toString("utf8") });
      },
    });
    const ok = await fetch(`${base}/raw`, { method: "POST", body: "héllo" });
    expect(await jsonOf(ok)).toEqual({ bytes: 6, text: "héllo" });
    const big = await fetch(`${base}/raw`, { method: "POST", body: "x".repeat(100) });
    expect(big.status).toBe(413);
    expect(await jsonOf(big)).toEqual({
      error: "payload_too_large",
      message: "request body is larger than 16 bytes",
    });
    expect(calls).toBe(1);
  });

  it("lets a route lower the limit but never raise it", async () => {
    const { base, server } = await start({ limits: { maxBodyBytes: 64 } });
    const echoLength = (_req: IncomingMessage, res: ServerResponse, body: Buffer) =>
      sendJson(res, 200, { bytes: body.length });
    server.mount({ method: "POST", path: "/small", handler: echoLength, maxBodyBytes: 8 });
    server.mount({ method: "POST", path: "/greedy", handler: echoLength, maxBodyBytes: 10_000 });
    expect((await fetch(`${base}/small`, { method: "POST", body: "123456789" })).status).toBe(413);
    expect((await fetch(`${base}/greedy`, { method: "POST", body: "x".repeat(65) })).status).toBe(413);
    expect(await jsonOf(await fetch(`${base}/greedy`, { method: "POST", body: "x".repeat(64) }))).toEqual({
      bytes: 64,
    });
  });
});

describe("a client that goes away mid-body", () => {
  it("never reaches the handler and leaves the server serving", async () => {
    const { port, base, server, logs } = await start();
    let calls = 0;
    server.mount({
      method: "POST",
      path: "/partial",
      handler: (_req, res) => {
        calls++;
        sendJson(res, 200, {});
      },
    });
    const socket = connect(port, "127.0.0.1");
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    socket.write("POST /partial HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly-ten-b");
    await new Promise((r) => setTimeout(r, 50));
    socket.destroy();
    await new Promise((r) => setTimeout(r, 50));
    expect(calls).toBe(0);
    expect(logs().filter((l) => l.msg === "HTTP handler failed")).toEqual([]);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });
});

describe("bad requests never break the server", () => {
  it("answers 400 to garbage on the socket and to a target that is not a path", async () => {
    const { port, base } = await start();
    expect(await rawRequest(port, "THIS IS NOT HTTP\r\n\r\n")).toMatch(/^HTTP\/1\.1 400 /);
    const absolute = await rawRequest(
      port,
      "GET http://elsewhere/healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    expect(absolute).toMatch(/^HTTP\/1\.1 400 /);
    const star = await rawRequest(port, "OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    expect(star).toMatch(/^HTTP\/1\.1 400 /);
    const overlong = await rawRequest(
      port,
      `GET /${"a".repeat(20_000)} HTTP/1.1\r\nX-Big: ${"b".repeat(20_000)}\r\n\r\n`,
    );
    expect(overlong).toMatch(/^HTTP\/1\.1 (400|431) /);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it("logs requests without their query string", async () => {
    const { base, logs } = await start();
    await fetch(`${base}/healthz?token=s3cr3t-in-query`);
    const access = logs().filter((l) => l.msg === "http request");
    expect(access).toContainEqual(expect.objectContaining({ method: "GET", path: "/healthz", status: 200 }));
    expect(JSON.stringify(logs())).not.toContain("s3cr3t-in-query");
  });
});

describe("lifecycle", () => {
  it("reports a port that is taken, and closes keep-alive connections promptly", async () => {
    const first = await start();
    const log = createLogger({ level: "silent", format: "json", destination: { write: () => {} } });
    const second = createHttpServer({
      host: "127.0.0.1",
      port: first.port,
      log,
      metrics: createMetrics({ processMetrics: false }),
    });
    await expect(second.listen()).rejects.toThrow(`cannot listen on 127.0.0.1:${first.port}: EADDRINUSE`);

    await fetch(`${first.base}/healthz`, { headers: { connection: "keep-alive" } });
    const started = Date.now();
    await first.server.close();
    expect(Date.now() - started).toBeLessThan(1000);
    await first.server.close();
    await expect(fetch(`${first.base}/healthz`)).rejects.toThrow();
  });

  it("lets in-flight requests finish before closing", async () => {
    const { base, server } = await start();
    server.mount({
      path: "/slow",
      handler: async (_req, res) => {
        await new Promise((r) => setTimeout(r, 200));
        sendJson(res, 200, { done: true });
      },
    });
    const pending = fetch(`${base}/slow`);
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    await server.close();
    expect(Date.now() - started).toBeLessThan(1000);
    const res = await pending;
    expect(await jsonOf(res)).toEqual({ done: true });
  });
});
