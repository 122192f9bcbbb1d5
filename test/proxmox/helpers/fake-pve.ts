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
  /** Send the status line, headers and part of the body, then stall. */
  stallAfterHeaders?: boolean;
}

export type FakeHandler = (req: SeenRequest) => FakeAnswer | Promise<FakeAnswer>;

/** The official-schema check of a request, as the simulator's `validate` provides it. */
export type SchemaCheck = (
  method: string,
  path: string,
  params: Record<string, unknown>,
) => { ok: true } | { ok: false; status: number; message: string; errors?: Record<string, string> };

export interface FakePve {
  url: string;
  port: number;
  requests: SeenRequest[];
  /** Requests the official schema refused (answered 400/501 as PVE would), as `METHOD path: reason`. */
  refused: string[];
  count(method: string, pathPrefix?: string): number;
  /** TLS only: later handshakes present this certificate; open keep-alive connections are closed. */
  replaceCertificate(tls: { key: string; cert: string }): void;
  close(): Promise<void>;
}

export const PVE_JSON = "application/json;charset=UTF-8";

/** Query and form body merged the way PVE reads them; repeated keys become arrays. */
function params(req: SeenRequest): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const source of [new URLSearchParams(req.body), req.query]) {
    for (const key of new Set(source.keys())) {
      const all = source.getAll(key);
      out[key] = all.length > 1 ? all : all[0];
    }
  }
  return out;
}

export async function startFakePve(
  handler: FakeHandler,
  tls?: { key: string; cert: string },
  schema?: SchemaCheck,
): Promise<FakePve> {
  const requests: SeenRequest[] = [];
  const refused: string[] = [];
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
      const verdict = schema?.(seen.method, seen.path, params(seen));
      if (verdict && !verdict.ok) refused.push(`${seen.method} ${seen.path}: ${JSON.stringify(verdict)}`);
      const answer: FakeAnswer =
        verdict && !verdict.ok
          ? {
              status: verdict.status,
              message: verdict.message,
              ...(verdict.errors ? { errors: verdict.errors } : {}),
            }
          : await handler(seen);
      if (answer.hang || answer.stallAfterHeaders) {
        hanging.add(res);
        if (answer.stallAfterHeaders) {
          res.writeHead(200, "OK", { "Content-Type": PVE_JSON });
          res.write('{"data":[');
        }
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
    refused,
    count: (method, pathPrefix = "") =>
      requests.filter((r) => r.method === method && r.path.startsWith(pathPrefix)).length,
    replaceCertificate: (next) => {
      if (!(server instanceof https.Server)) throw new Error("replaceCertificate needs a TLS fake");
      server.setSecureContext({ key: next.key, cert: next.cert });
      server.closeAllConnections();
    },
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
