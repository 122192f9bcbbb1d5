import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { PveSimulator } from "../../src/sim/pve/index.js";

export interface ApiResponse {
  status: number;
  statusText: string;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: test helper returns parsed JSON of any shape
  json: any;
}

export interface CallOptions {
  /**
   * `PVEAPIToken=` value; defaults to the root token these API-shape tests ask for by name
   * (`rootAuth`); `documentedAuth(sim)` is the bot's least-privilege token; null sends no Authorization.
   */
  auth?: string | null;
  /** Raw body and content type, bypassing form encoding. */
  rawBody?: string | Buffer;
  contentType?: string;
  headers?: Record<string, string>;
}

/** Form-encodes like proxmox-api: booleans as 1/0, arrays as repeated keys. */
export function formEncode(params: Record<string, unknown>): string {
  const out = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null) continue;
    for (const item of Array.isArray(v) ? v : [v]) {
      out.append(k, typeof item === "boolean" ? (item ? "1" : "0") : String(item));
    }
  }
  return out.toString();
}

/** A plain HTTP(S) client that trusts only the simulator's own certificate. */
export function call(
  sim: PveSimulator,
  method: string,
  path: string,
  params: Record<string, unknown> = {},
  opts: CallOptions = {},
): Promise<ApiResponse> {
  const url = new URL(`${sim.url}/api2/json${path}`);
  const encoded = formEncode(params);
  const inQuery = method === "GET" || method === "DELETE";
  if (inQuery && encoded) url.search = encoded;
  const body = opts.rawBody ?? (inQuery ? undefined : encoded);
  const auth = opts.auth === undefined ? rootAuth(sim) : opts.auth;
  const headers: Record<string, string> = { ...opts.headers };
  if (auth !== null) headers["Authorization"] = auth;
  if (body !== undefined) {
    headers["Content-Type"] = opts.contentType ?? "application/x-www-form-urlencoded";
    headers["Content-Length"] = String(Buffer.byteLength(body));
  }
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, ca: sim.caPem || undefined }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let json: unknown;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        resolve({
          status: res.statusCode ?? 0,
          statusText: res.statusMessage ?? "",
          headers: res.headers,
          text,
          json,
        });
      });
    });
    req.on("error", reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** Polls a task until it stops; returns its final status object. */
export async function waitTask(sim: PveSimulator, upid: string, timeoutMs = 5000) {
  const node = upid.split(":")[1]!;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await call(sim, "GET", `/nodes/${node}/tasks/${encodeURIComponent(upid)}/status`);
    if (res.status !== 200) throw new Error(`task status ${res.status} ${res.statusText}`);
    if (res.json.data.status === "stopped")
      return res.json.data as { exitstatus: string; [k: string]: unknown };
    if (Date.now() > deadline) throw new Error(`task ${upid} still running`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function tokenAuth(tokenId: string, secret: string): string {
  return `PVEAPIToken=${tokenId}=${secret}`;
}

const ROOT_TOKEN = "root@pam!sim-tests";
const rootTokens = new WeakMap<PveSimulator, string>();

/**
 * A `root@pam` token without privilege separation, for tests of PVE's API behaviour on resources outside
 * the bot's documented scope. The simulator never hands one out unless a test asks for it by name.
 */
export function rootAuth(sim: PveSimulator): string {
  let auth = rootTokens.get(sim);
  if (!auth) {
    const t = sim.addToken({ tokenId: ROOT_TOKEN, privsep: false });
    auth = tokenAuth(t.tokenId, t.secret);
    rootTokens.set(sim, auth);
  }
  return auth;
}

/** The token docs/PROXMOX.md sets up, which the simulator gives the bot by default. */
export function documentedAuth(sim: PveSimulator): string {
  return tokenAuth(sim.tokenId, sim.tokenSecret);
}
