/**
 * A tiny PVE-shaped HTTP(S) server for unit tests of the client: answers with PVE's exact wire format
 * (Content-Type, status-line reason, `{data}` / `{data:null, errors, message}` bodies) from a handler,
 * and records every request it receives. Listens on 127.0.0.1, port 0.
 */
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";

export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: string;
  headers: http.IncomingHttpHeaders;
}

export interface FakeAnswer {
  status?: number;
  /** Status-line reason; defaults to the first line of `message` or "OK". */
  reason?: string;
  data?: unknown;
  total?: number;
  message?: string;
  errors?: Record<string, string>;
  /** Send exactly this body and Content-Type instead of PVE's JSON. */
  raw?: { body: string; contentType?: string };
  /** Never answer (the client's timeout must fire). */
  hang?: boolean;
}

export type FakeHandler = (req: SeenRequest) => FakeAnswer | Promise<FakeAnswer>;

export interface FakePve {
  url: string;
  port: number;
  requests: SeenRequest[];
  count(method: string, pathPrefix?: string): number;
  close(): Promise<void>;
}

export const PVE_JSON = "application/json;charset=UTF-8";

export async function startFakePve(
  handler: FakeHandler,
  tls?: { key: string; cert: string },
): Promise<FakePve> {
  const requests: SeenRequest[] = [];
  const hanging = new Set<http.ServerResponse>();
  const listener: http.RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const url = new URL(req.url ?? "/", "http://x");
      const seen: SeenRequest = {
        method: req.method ?? "",
        path: url.pathname,
        query: url.searchParams,
        body: Buffer.concat(chunks).toString("utf8"),
        headers: req.headers,
      };
      requests.push(seen);
      const answer = await handler(seen);
      if (answer.hang) {
        hanging.add(res);
        return;
      }
      const status = answer.status ?? 200;
      if (answer.raw) {
        res.writeHead(
          status,
          answer.reason ?? "OK",
          answer.raw.contentType ? { "Content-Type": answer.raw.contentType } : {},
        );
        res.end(answer.raw.body);
        return;
      }
      const reason = answer.reason ?? (answer.message ? answer.message.split("\n")[0]! : "OK");
      const body =
        status === 200
          ? { data: answer.data ?? null, ...(answer.total === undefined ? {} : { total: answer.total }) }
          : {
              data: null,
              ...(answer.errors ? { errors: answer.errors } : {}),
              message: answer.message ?? reason,
            };
      res.writeHead(status, reason, { "Content-Type": PVE_JSON });
      res.end(JSON.stringify(body));
    });
  };
  const server = tls
    ? https.createServer({ key: tls.key, cert: tls.cert }, listener)
    : http.createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${tls ? "https" : "http"}://127.0.0.1:${port}`,
    port,
    requests,
    count: (method, pathPrefix = "") =>
      requests.filter((r) => r.method === method && r.path.startsWith(pathPrefix)).length,
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
