/**
 * HTTP surface benchmark: what the bot's HTTP server does under the cheap attacks, measured from outside.
 *
 * The server runs in a child process (the bot's own `createHttpServer`, limits as configured by default
 * unless overridden below) with one webhook route; this process is the attacker and the health checker.
 *   1. A 100 MB body declared by Content-Length, sent as fast as the socket takes it: the answer, how long
 *      it took, and how many bytes the server process read meanwhile (`rchar` of /proc/<pid>/io).
 *      Once more with `Expect: 100-continue` (what curl sends for large bodies): refused before it is sent.
 *      A client that keeps sending without reading may see its connection reset before it reads the 413;
 *      that is counted, not hidden.
 *   2. The same 100 MB as a chunked body: reading stops at the 1 MB limit.
 *   3. 50 connections that trickle their request head one byte every 500 ms, while 100 MB attempts repeat
 *      and a client asks /healthz back to back: when each slow connection was closed (it must be within
 *      the head timeout), and /healthz latency meanwhile.
 * Loopback only; every loop is bounded by a count or a deadline. Prints one JSON object.
 *
 *   npm run bench:http                       (head timeout 10 s, the default)
 *   HEADERS_TIMEOUT_MS=2000 npm run bench:http
 */

import { fork } from "node:child_process";
import { readFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { connect } from "node:net";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { httpConfigSchema } from "../src/bot/config/http.js";
import { createHttpServer } from "../src/bot/http/server.js";
import { limitsFrom } from "../src/bot/http/surface.js";
import { createMetrics } from "../src/bot/metrics.js";
import { silentLog } from "../src/services/log.js";

const HEADERS_TIMEOUT_MS = Number(process.env.HEADERS_TIMEOUT_MS ?? 10_000);
const SLOW_CONNECTIONS = 50;
const BIG_BODY = 100 * 1024 * 1024;
const WRITE_CHUNK = Buffer.alloc(64 * 1024, 0x61);

function rchar(pid: number): number {
  return Number(/rchar:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/io`, "utf8"))?.[1] ?? Number.NaN);
}

interface BigBodyResult {
  /** undefined: the connection was reset before the client read the answer (it was still sending). */
  status: number | undefined;
  msToAnswer: number | undefined;
  msToClose: number;
  clientBytesWritten: number;
  serverBytesRead: number;
}

/** Sends `head` and then up to 100 MB of body as fast as the socket accepts, until the server closes. */
function bigBody(port: number, pid: number, head: string, chunked: boolean): Promise<BigBodyResult> {
  return new Promise((resolve) => {
    const before = rchar(pid);
    const started = performance.now();
    const socket = connect(port, "127.0.0.1");
    let answer = "";
    let msToAnswer: number | undefined;
    let sent = 0;
    const pump = () => {
      while (sent < BIG_BODY && !socket.destroyed) {
        const piece = chunked
          ? Buffer.concat([
              Buffer.from(`${WRITE_CHUNK.length.toString(16)}\r\n`),
              WRITE_CHUNK,
              Buffer.from("\r\n"),
            ])
          : WRITE_CHUNK;
        sent += WRITE_CHUNK.length;
        if (!socket.write(piece)) {
          socket.once("drain", pump);
          return;
        }
      }
    };
    const expectsContinue = /\r\nExpect: 100-continue\r\n/i.test(head);
    socket.on("connect", () => {
      socket.write(head);
      if (!expectsContinue) pump();
    });
    socket.on("data", (c: Buffer) => {
      answer += c.toString("latin1");
      msToAnswer ??= performance.now() - started;
      if (expectsContinue && answer.startsWith("HTTP/1.1 100 ")) pump();
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      const status = /^HTTP\/1\.1 (\d{3}) /.exec(answer)?.[1];
      resolve({
        status: status ? Number(status) : undefined,
        msToAnswer: msToAnswer === undefined ? undefined : round(msToAnswer),
        msToClose: round(performance.now() - started),
        clientBytesWritten: socket.bytesWritten,
        serverBytesRead: rchar(pid) - before,
      });
    });
  });
}

/** A connection that sends its request head one byte every 500 ms; resolves when the server closes it. */
function slowHead(port: number): Promise<{ closedAfterMs: number; status: number | undefined }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = connect(port, "127.0.0.1");
    let answer = "";
    let timer: NodeJS.Timeout | undefined;
    const trickle = "GET /healthz HTTP/1.1\r\nHost: bench\r\nX-Slow: "
      .split("")
      .concat(Array(1000).fill("z"));
    socket.on("connect", () => {
      timer = setInterval(() => {
        const next = trickle.shift();
        if (next === undefined || socket.destroyed) clearInterval(timer);
        else socket.write(next);
      }, 500);
    });
    socket.on("data", (c: Buffer) => {
      answer += c.toString("latin1");
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      clearInterval(timer);
      const status = /^HTTP\/1\.1 (\d{3}) /.exec(answer)?.[1];
      resolve({
        closedAfterMs: round(performance.now() - started),
        status: status ? Number(status) : undefined,
      });
    });
  });
}

function healthz(port: number, agent: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request({ host: "127.0.0.1", port, path: "/healthz", agent }, (res) => {
      res.resume();
      res.on("end", () => resolve(performance.now() - started));
    });
    req.on("error", reject);
    req.end();
  });
}

const round = (ms: number) => Math.round(ms * 10) / 10;
const quantile = (xs: number[], q: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN);
};

async function main(): Promise<void> {
  const child = fork(fileURLToPath(import.meta.url), ["--server"], {
    execArgv: ["--import", "tsx"],
    env: { ...process.env, HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS) },
  });
  const { port, maxBodyBytes } = await new Promise<{ port: number; maxBodyBytes: number }>((resolve) =>
    child.once("message", (m) => resolve(m as { port: number; maxBodyBytes: number })),
  );
  const pid = child.pid!;
  const declaredHead = `POST /webhooks/bench HTTP/1.1\r\nHost: bench\r\nContent-Length: ${BIG_BODY}\r\n\r\n`;
  const chunkedHead = "POST /webhooks/bench HTTP/1.1\r\nHost: bench\r\nTransfer-Encoding: chunked\r\n\r\n";

  const declared = await bigBody(port, pid, declaredHead, false);
  const expectHead = declaredHead.replace("\r\n\r\n", "\r\nExpect: 100-continue\r\n\r\n");
  const declaredWithExpect = await bigBody(port, pid, expectHead, false);
  const chunked = await bigBody(port, pid, chunkedHead, true);

  // Under attack: slow heads, repeated big bodies, and a health checker, until every slow connection is closed.
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const slow = Promise.all(Array.from({ length: SLOW_CONNECTIONS }, () => slowHead(port)));
  let attacking = true;
  const repeated: BigBodyResult[] = [];
  const bigLoop = (async () => {
    for (let i = 0; i < 20 && attacking; i++) repeated.push(await bigBody(port, pid, declaredHead, false));
  })();
  const latencies: number[] = [];
  const deadline = performance.now() + HEADERS_TIMEOUT_MS * 2 + 5000;
  let slowDone = false;
  void slow.then(() => {
    slowDone = true;
  });
  while (!slowDone && performance.now() < deadline && latencies.length < 200_000) {
    latencies.push(await healthz(port, agent));
  }
  attacking = false;
  const slowResults = await slow;
  await bigLoop;
  agent.destroy();
  child.disconnect();

  const closedAfter = slowResults.map((r) => r.closedAfterMs);
  console.log(
    JSON.stringify({
      benchmark: "http-surface",
      node: process.version,
      limits: { headersTimeoutMs: HEADERS_TIMEOUT_MS, maxBodyBytes },
      declaredBody100MB: declared,
      declaredBody100MBWithExpect100Continue: declaredWithExpect,
      chunkedBody100MB: chunked,
      slowHeaders: {
        connections: SLOW_CONNECTIONS,
        closedAfterMs: {
          min: Math.min(...closedAfter),
          p50: quantile(closedAfter, 0.5),
          max: Math.max(...closedAfter),
        },
        allClosedWithinHeadersTimeout: closedAfter.every((ms) => ms <= HEADERS_TIMEOUT_MS),
        statuses: [...new Set(slowResults.map((r) => r.status ?? "none"))],
      },
      repeatedDeclaredBodiesMeanwhile: {
        attempts: repeated.length,
        answered413: repeated.filter((r) => r.status === 413).length,
        resetBeforeAnswerWasRead: repeated.filter((r) => r.status === undefined).length,
        otherStatus: repeated.filter((r) => r.status !== undefined && r.status !== 413).length,
        maxServerBytesRead: Math.max(...repeated.map((r) => r.serverBytesRead)),
      },
      healthzMeanwhile: {
        requests: latencies.length,
        p50Ms: quantile(latencies, 0.5),
        p99Ms: quantile(latencies, 0.99),
        maxMs: quantile(latencies, 1),
      },
    }),
  );
}

async function serve(): Promise<void> {
  const config = httpConfigSchema.parse({
    host: "127.0.0.1",
    port: 0,
    headersTimeout: HEADERS_TIMEOUT_MS,
    requestTimeout: Math.max(30_000, HEADERS_TIMEOUT_MS),
  });
  const server = createHttpServer({
    host: config.host,
    port: config.port,
    log: silentLog,
    metrics: createMetrics({ processMetrics: false }),
    limits: limitsFrom(config),
    routes: [
      {
        method: "POST",
        path: "/webhooks/bench",
        handler: (_req, res, body) => {
          res.writeHead(200, { "content-type": "text/plain" }).end(String(body.length));
        },
      },
    ],
  });
  const { port } = await server.listen();
  process.send!({ port, maxBodyBytes: config.maxBodyBytes });
  process.on("disconnect", () => void server.close().then(() => process.exit(0)));
}

const cli = parseArgs({ options: { server: { type: "boolean", default: false } } });
if (cli.values.server) await serve();
else await main();
