/**
 * One HTTP(S) exchange with a PVE node over a keep-alive connection pool. The timeout covers the whole
 * exchange (connect, TLS, headers and body), unlike proxmox-api's own engine which stops timing at the
 * headers. No retries here: the engine decides, by verb.
 */
import http from "node:http";
import https from "node:https";
import { isTlsCode, PveNetworkError } from "./errors.js";
import { type TlsSettings, trustOptions } from "./tls.js";

export interface RawResponse {
  status: number;
  statusText: string;
  contentType: string | undefined;
  body: string;
}

export interface RawRequest {
  method: string;
  /** Absolute path with query, e.g. /api2/json/nodes?x=1. */
  path: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

export interface Transport {
  send(request: RawRequest): Promise<RawResponse>;
  close(): void;
}

/** Upper bound on a PVE answer; the largest the bot reads (cluster resources of a big cluster) is far below. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

/** Host and port to connect to; IPv6 brackets removed, and the scheme's default port made explicit. */
export function endpointOf(baseUrl: string): { secure: boolean; host: string; port: number } {
  const url = new URL(baseUrl);
  const secure = url.protocol === "https:";
  // URL reports the scheme's default port as "".
  return {
    secure,
    host: url.hostname.replace(/^\[|\]$/g, ""),
    port: Number(url.port || (secure ? 443 : 80)),
  };
}

export function createTransport(baseUrl: string, tls: TlsSettings, maxSockets = 8): Transport {
  const { secure, host, port } = endpointOf(baseUrl);
  let agent: Promise<http.Agent> | undefined;

  const getAgent = (timeoutMs: number): Promise<http.Agent> => {
    if (agent) return agent;
    const created = secure
      ? trustOptions(host, port, tls, timeoutMs).then(
          (opts) => new https.Agent({ keepAlive: true, maxSockets, ...opts }),
        )
      : Promise.resolve(new http.Agent({ keepAlive: true, maxSockets }));
    // A failed probe must not stick: the next request tries again.
    created.catch(() => {
      if (agent === created) agent = undefined;
    });
    agent = created;
    return created;
  };

  const dropAgent = () => {
    const old = agent;
    agent = undefined;
    old?.then((a) => a.destroy()).catch(() => undefined);
  };

  const send = async (req: RawRequest): Promise<RawResponse> => {
    const startedAt = Date.now();
    const pooled = await getAgent(req.timeoutMs);
    const remaining = Math.max(1, req.timeoutMs - (Date.now() - startedAt));
    return new Promise<RawResponse>((resolve, reject) => {
      const fail = (
        failure: "timeout" | "connect" | "tls",
        code: string,
        detail: string,
        cause?: unknown,
      ) => {
        if (failure === "tls") dropAgent();
        reject(new PveNetworkError(req.method, req.path.split("?")[0]!, failure, code, detail, { cause }));
      };
      const headers: Record<string, string | number> = { ...req.headers };
      if (req.body !== undefined) headers["Content-Length"] = Buffer.byteLength(req.body);
      // Repeated per request (the agent has it too) so no default can weaken verification.
      const options = {
        host,
        port,
        method: req.method,
        path: req.path,
        headers,
        agent: pooled,
        ...(secure ? { rejectUnauthorized: true } : {}),
      };
      const outgoing = (secure ? https : http).request(options, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) {
            outgoing.destroy(
              new PveNetworkError(req.method, req.path, "protocol", "E_TOO_LARGE", "answer too large"),
            );
            return;
          }
          chunks.push(chunk);
        });
        res.on("end", () => {
          clearTimeout(timer);
          const contentType = res.headers["content-type"];
          resolve({
            status: res.statusCode ?? 0,
            statusText: res.statusMessage ?? "",
            contentType: Array.isArray(contentType) ? contentType[0] : contentType,
            body: Buffer.concat(chunks).toString("utf8"),
          });
        });
        res.on("error", (err) => outgoing.destroy(err));
      });
      const timer = setTimeout(() => {
        outgoing.destroy(new PveNetworkError(req.method, req.path, "timeout", "ETIMEDOUT", "timed out"));
      }, remaining);
      outgoing.on("error", (err: Error & { code?: string }) => {
        clearTimeout(timer);
        if (err instanceof PveNetworkError) {
          if (err.failure === "timeout")
            fail("timeout", err.code, `no complete answer within ${req.timeoutMs} ms`);
          else if (err.failure === "tls") fail("tls", err.code, err.detail);
          else reject(err);
          return;
        }
        const code = err.code ?? "ECONNRESET";
        fail(isTlsCode(code) ? "tls" : "connect", code, err.message, err);
      });
      outgoing.end(req.body);
    });
  };

  return {
    send,
    close: dropAgent,
  };
}
