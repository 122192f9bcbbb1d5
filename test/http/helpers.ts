import { connect } from "node:net";
import { afterEach } from "vitest";
import { createHttpServer, type HttpServer, type HttpServerOptions } from "../../src/bot/http/server.js";
import { createLogger } from "../../src/bot/logger.js";
import { createMetrics } from "../../src/bot/metrics.js";

const open: HttpServer[] = [];

/** Registers cleanup in the calling test file: every server started there is closed after each test. */
export function closeServersAfterEach(): void {
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
}

/** A real server on 127.0.0.1, port 0, with a real logger whose lines the test can read. */
export async function start(overrides: Partial<HttpServerOptions> = {}) {
  const lines: string[] = [];
  const log = createLogger({ level: "debug", format: "json", destination: { write: (l) => lines.push(l) } });
  const metrics = createMetrics({
    processMetrics: false,
    jobCounts: async () => ({ waiting: 2, active: 1 }),
  });
  const server = createHttpServer({ host: "127.0.0.1", port: 0, log, metrics, ...overrides });
  open.push(server);
  const { port } = await server.listen();
  const base = `http://127.0.0.1:${port}`;
  return { server, port, base, metrics, logs: () => lines.map((l) => JSON.parse(l)) };
}

/** Sends raw bytes and returns whatever the server answers before closing. */
export function rawRequest(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let answer = "";
    socket.on("data", (chunk) => {
      answer += chunk.toString("latin1");
    });
    socket.on("close", () => resolve(answer));
    socket.on("error", reject);
    socket.write(bytes);
  });
}

/** Response bodies are walked freely in assertions; a wrong shape fails the assertion, not the compiler. */
// biome-ignore lint/suspicious/noExplicitAny: see above
export async function jsonOf(res: Response): Promise<any> {
  return res.json();
}
