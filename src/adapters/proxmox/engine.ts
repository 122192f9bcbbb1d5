/**
 * The request engine behind proxmox-api's typed proxy (its `ApiRequestable` interface). It replaces the
 * library's engine because that one retries POST/DELETE after a timeout, lets `..`/`?`/`#` in a path
 * parameter change the endpoint, and reports errors as strings (NOTES §1.6).
 *
 * - API token auth; no tickets, no CSRF.
 * - GET is retried on network errors and 5xx (not 501) with doubling backoff; POST/PUT/DELETE never.
 *   Over plain http nothing is retried until the server has answered once: each attempt would send the
 *   token in clear again to an endpoint that may not be PVE at all (start-up sends one version check).
 * - Every path segment is checked again here, after the callers' validators, so no path can escape its
 *   endpoint even if a caller forgot one.
 * - PVE's error body `{data:null, errors, message}` becomes a {@link PveApiError}; servers before
 *   pve-http-server 5.2 put the message only in the status line, which is used then.
 */
import type { ApiRequestable } from "proxmox-api";
import { doublingDelay } from "../../services/backoff.js";
import type { Log } from "../../services/ports.js";
import { PveApiError, PveNetworkError } from "./errors.js";
import type { Transport } from "./transport.js";

export interface EngineOptions {
  transport: Transport;
  tokenId: string;
  tokenSecret: string;
  timeoutMs: number;
  getRetries: number;
  log: Log;
  /** Backoff sleep, injectable so tests do not wait. */
  sleep?: (ms: number) => Promise<void>;
  /** First retry delay; doubles each time. */
  retryBaseMs?: number;
  /** False over plain http: no GET is retried before the first answer (see above). */
  retryBeforeFirstAnswer?: boolean;
}

export interface Envelope {
  data: unknown;
  total?: number;
}

const API_PREFIX = "/api2/json";
/** Characters PVE ids, UPIDs and endpoint names use; anything else in a segment is refused. */
const SAFE_SEGMENT = /^[A-Za-z0-9_.:@!=+-]+$/;

export function encodeParams(params: Record<string, unknown> | undefined): string {
  const out = new URLSearchParams();
  for (const [key, value] of Object.entries(params ?? {})) {
    if (value === undefined || value === null) continue;
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) out.append(key, typeof v === "boolean" ? (v ? "1" : "0") : String(v));
  }
  return out.toString();
}

/** Refuses any path that is not /api2/json followed by plain segments. */
export function checkPath(path: string): void {
  if (!path.startsWith(`${API_PREFIX}/`)) throw new Error(`refusing request outside ${API_PREFIX}: ${path}`);
  for (const segment of path.slice(API_PREFIX.length + 1).split("/")) {
    if (!SAFE_SEGMENT.test(segment) || segment === "." || segment === "..") {
      throw new Error(`refusing unsafe path segment ${JSON.stringify(segment)} in ${path}`);
    }
  }
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class PveEngine implements ApiRequestable {
  private readonly authorization: string;
  private readonly sleep: (ms: number) => Promise<void>;
  /** Set once any HTTP answer (whatever its status) came back. */
  private answered = false;

  constructor(private readonly options: EngineOptions) {
    this.authorization = `PVEAPIToken=${options.tokenId}=${options.tokenSecret}`;
    this.sleep = options.sleep ?? realSleep;
  }

  /** proxmox-api calls this with the verb in lower case and the path already built. */
  async doRequest(httpMethod: string, path: string, _template: string, params?: Record<string, unknown>) {
    return (await this.request(httpMethod, path, params)).data;
  }

  /** Like doRequest but keeps the envelope's extras (`total` of a task log). */
  async request(httpMethod: string, path: string, params?: Record<string, unknown>): Promise<Envelope> {
    const method = httpMethod.toUpperCase();
    checkPath(path);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(method, path, params);
      } catch (err) {
        if (attempt >= this.attemptsFor(method) || !retryable(err)) throw err;
        const delay = doublingDelay(this.options.retryBaseMs ?? 250, attempt);
        this.options.log.debug(
          { method, path, attempt, delay, err: describe(err) },
          "pve GET failed; retrying",
        );
        await this.sleep(delay);
      }
    }
  }

  /** Read after each failure: an error answer (a 503) counts as the server's first answer. */
  private attemptsFor(method: string): number {
    const mayRetry = method === "GET" && (this.answered || this.options.retryBeforeFirstAnswer !== false);
    return mayRetry ? 1 + this.options.getRetries : 1;
  }

  private async once(method: string, path: string, params?: Record<string, unknown>): Promise<Envelope> {
    const encoded = encodeParams(params);
    const inBody = method === "POST" || method === "PUT";
    const headers: Record<string, string> = { Authorization: this.authorization, Accept: "application/json" };
    if (inBody) headers["Content-Type"] = "application/x-www-form-urlencoded";
    const startedAt = Date.now();
    const res = await this.options.transport.send({
      method,
      path: !inBody && encoded ? `${path}?${encoded}` : path,
      headers,
      body: inBody ? encoded : undefined,
      timeoutMs: this.options.timeoutMs,
    });
    this.answered = true;
    this.options.log.debug({ method, path, status: res.status, ms: Date.now() - startedAt }, "pve request");
    const json = parseJson(res.body, res.contentType);
    if (res.status >= 200 && res.status < 300) {
      if (!json || typeof json !== "object" || !("data" in json)) {
        throw new PveNetworkError(
          method,
          path,
          "protocol",
          "E_NOT_PVE",
          "answer is not PVE's {data: …} JSON",
        );
      }
      const envelope = json as { data: unknown; total?: unknown };
      return typeof envelope.total === "number"
        ? { data: envelope.data, total: envelope.total }
        : { data: envelope.data };
    }
    const body = (json ?? {}) as { message?: unknown; errors?: unknown };
    const message =
      typeof body.message === "string" && body.message.trim() ? body.message.trim() : res.statusText.trim();
    throw new PveApiError(method, path, res.status, message || `HTTP ${res.status}`, stringMap(body.errors));
  }
}

function parseJson(body: string, contentType: string | undefined): unknown {
  if (!body || !contentType?.toLowerCase().startsWith("application/json")) return undefined;
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

function stringMap(errors: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (errors && typeof errors === "object") {
    for (const [k, v] of Object.entries(errors)) out[k] = String(v).trim();
  }
  return out;
}

function retryable(err: unknown): boolean {
  if (err instanceof PveApiError) return err.status >= 500 && err.status !== 501;
  if (err instanceof PveNetworkError) return err.failure === "timeout" || err.failure === "connect";
  return false;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
