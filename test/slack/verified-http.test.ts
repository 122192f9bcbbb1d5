/**
 * The verifying fetch and WebSocket dispatcher behind the Slack adapter (and the checksum source): what
 * they must keep from the defaults they replace (multipart bodies, Socket Mode's socket clean-up).
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocket as UndiciWebSocket } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { createVerifiedFetch, createVerifiedWebSocketDispatcher } from "../../src/adapters/verified-http.js";

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
});

async function listen(handler?: (req: IncomingMessage, body: string) => void): Promise<string> {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      handler?.(req, body);
      res.end("ok");
    });
  });
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("verified fetch", () => {
  it("sends a FormData built from the global classes as multipart, file included", async () => {
    let seen: { type: string; body: string } | undefined;
    const url = await listen((req, body) => {
      seen = { type: String(req.headers["content-type"]), body };
    });
    const form = new FormData();
    form.append("channel", "C0GENERAL");
    form.append("file", new Blob([Buffer.from("full reply text")]), "reply.txt");
    const verified = createVerifiedFetch();
    const res = await verified.fetch(`${url}/upload`, { method: "POST", body: form });
    expect(res.status).toBe(200);
    expect(seen?.type).toMatch(/^multipart\/form-data; boundary=/);
    expect(seen?.body).toContain('name="file"; filename="reply.txt"');
    expect(seen?.body).toContain("full reply text");
    expect(seen?.body).toContain("C0GENERAL");
    await verified.close();
  });

  it("refuses a Request object instead of dropping its method and headers", async () => {
    const url = await listen();
    const verified = createVerifiedFetch();
    const request = new Request(`${url}/x`, { method: "POST", headers: { authorization: "Bearer t" } });
    await expect(verified.fetch(request)).rejects.toThrow(/takes a URL string or URL object/);
    await verified.close();
  });
});

describe("verified WebSocket dispatcher", () => {
  it("destroySockets closes an open WebSocket's connection, as Socket Mode's own clean-up would", async () => {
    const base = await listen();
    const wss = new WebSocketServer({ server: server! });
    const serverSide = new Promise<import("ws").WebSocket>((r) => wss.once("connection", r));
    const ws = createVerifiedWebSocketDispatcher();
    const client = new UndiciWebSocket(base.replace(/^http/, "ws"), { dispatcher: ws.dispatcher });
    await new Promise((resolve, reject) => {
      client.addEventListener("open", resolve);
      client.addEventListener("error", reject);
    });
    const peer = await serverSide;
    const peerClosed = new Promise((r) => peer.once("close", r));
    const clientClosed = new Promise((r) => client.addEventListener("close", r));
    ws.destroySockets();
    await Promise.all([peerClosed, clientClosed]);
    expect(client.readyState).toBe(UndiciWebSocket.CLOSED);
    wss.close();
  });
});
