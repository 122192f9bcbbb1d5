/**
 * Plain http to Proxmox: the start-up version check sends the token once, not once per retry, until the
 * server has answered. Counted at a server that reads each request and drops the connection unanswered.
 */
import { createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { makeClient, TOKEN_SECRET } from "./helpers/client.js";

interface DroppingServer {
  url: string;
  /** Request heads received, in order. */
  heads: string[];
  /** Answer the next request with PVE's version instead of dropping it. */
  answerNext(): void;
  close(): Promise<void>;
}

const VERSION_BODY = JSON.stringify({ data: { version: "9.1.5", release: "9.1", repoid: "x" } });

async function droppingServer(): Promise<DroppingServer> {
  const heads: string[] = [];
  const sockets = new Set<Socket>();
  let answers = 0;
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    let buffered = "";
    socket.on("data", (chunk) => {
      buffered += chunk.toString("latin1");
      let end = buffered.indexOf("\r\n\r\n");
      while (end >= 0) {
        heads.push(buffered.slice(0, end));
        buffered = buffered.slice(end + 4);
        if (answers > 0) {
          answers--;
          socket.write(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json;charset=UTF-8\r\n" +
              `Content-Length: ${Buffer.byteLength(VERSION_BODY)}\r\n\r\n${VERSION_BODY}`,
          );
        } else {
          socket.destroy();
          return;
        }
        end = buffered.indexOf("\r\n\r\n");
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    heads,
    answerNext: () => {
      answers++;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let server: DroppingServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("plain http with proxmox.allowInsecureHttp", () => {
  it("the start-up version check sends one request while the server has never answered", async () => {
    server = await droppingServer();
    const { client, sleeps } = makeClient(server.url, { allowInsecureHttp: true, getRetries: 3 });
    await expect(client.gate.require()).rejects.toMatchObject({ code: "E_PVE_UNREACHABLE" });
    expect(server.heads).toHaveLength(1);
    expect(server.heads[0]).toContain(TOKEN_SECRET);
    expect(sleeps).toEqual([]);
    client.close();
  });

  it("readiness checks too: one request each, no retries in between", async () => {
    server = await droppingServer();
    const { client, clock } = makeClient(server.url, { allowInsecureHttp: true, getRetries: 3 });
    expect((await client.gate.readiness()).ok).toBe(false);
    clock.t += 60_000;
    expect((await client.gate.readiness()).ok).toBe(false);
    expect(server.heads).toHaveLength(2);
    client.close();
  });

  it("after a first answer, a failed GET is retried as configured", async () => {
    server = await droppingServer();
    server.answerNext();
    const { client, sleeps } = makeClient(server.url, { allowInsecureHttp: true, getRetries: 3 });
    expect((await client.gate.require()).version).toBe("9.1.5");
    await expect(client.nodes()).rejects.toMatchObject({ code: "E_PVE_UNREACHABLE" });
    expect(server.heads.filter((h) => h.startsWith("GET /api2/json/nodes "))).toHaveLength(4);
    expect(sleeps).toEqual([10, 20, 40]);
    client.close();
  });
});
