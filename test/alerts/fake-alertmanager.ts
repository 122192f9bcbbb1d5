/**
 * An Alertmanager silence API on a real HTTP server (port 0) that checks every request against the
 * OpenAPI spec of a chosen version and answers like Alertmanager (200) or Grafana's built-in one (202 under
 * /api/alertmanager/grafana/api/v2). Invalid requests get 400 and are kept in `problems`.
 */
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { OpenApiRequestValidator } from "./openapi.js";

export interface FakeAlertmanager {
  url: string;
  requests: { method: string; path: string; body: unknown; authorization?: string }[];
  problems: string[];
  silences: Map<string, { body: Record<string, unknown>; state: "active" | "expired" }>;
  /** The next answer to any request is this status instead (an outage, a refusal). */
  failNext(status: number, body?: string): void;
  close(): Promise<void>;
}

export async function startFakeAlertmanager(options: {
  version: "0.25" | "0.34";
  grafana?: boolean;
}): Promise<FakeAlertmanager> {
  const validator = new OpenApiRequestValidator(
    new URL(`./fixtures/alertmanager-openapi-v${options.version}.yaml`, import.meta.url),
  );
  const base = options.grafana ? "/api/alertmanager/grafana/api/v2" : "/api/v2";
  const state: Omit<FakeAlertmanager, "url" | "close" | "failNext"> = {
    requests: [],
    problems: [],
    silences: new Map(),
  };
  let failure: { status: number; body: string } | undefined;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const body = raw ? (JSON.parse(raw) as unknown) : undefined;
      const url = new URL(req.url ?? "/", "http://x");
      state.requests.push({
        method: req.method!,
        path: url.pathname,
        body,
        authorization: req.headers.authorization,
      });
      const send = (status: number, payload?: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(payload === undefined ? "" : JSON.stringify(payload));
      };
      if (failure) {
        const { status, body: text } = failure;
        failure = undefined;
        res.writeHead(status);
        res.end(text);
        return;
      }
      if (!url.pathname.startsWith(`${base}/`)) return send(404, "not found");
      const path = url.pathname.slice(base.length);
      const problems = validator.check(req.method!, path, body);
      if (problems.length > 0) {
        state.problems.push(...problems);
        return send(400, problems.join("; "));
      }
      if (req.method === "POST" && path === "/silences") {
        const id = randomUUID();
        state.silences.set(id, { body: body as Record<string, unknown>, state: "active" });
        return send(options.grafana ? 202 : 200, { silenceID: id });
      }
      if (req.method === "DELETE" && path.startsWith("/silence/")) {
        const found = state.silences.get(path.slice("/silence/".length));
        if (!found) return send(404, "silence not found");
        found.state = "expired";
        return send(200);
      }
      if (req.method === "GET" && path === "/silences") {
        return send(
          200,
          [...state.silences.entries()].map(([id, s]) => ({
            id,
            status: { state: s.state },
            updatedAt: new Date().toISOString(),
            ...s.body,
          })),
        );
      }
      return send(404, "not found");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    ...state,
    url: `http://127.0.0.1:${port}${options.grafana ? "/api/alertmanager/grafana" : ""}`,
    failNext(status, body = "") {
      failure = { status, body };
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
