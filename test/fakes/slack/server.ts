/**
 * A fake Slack on 127.0.0.1: the Web API under `/api/`, response URLs under `/respond/`, file upload URLs
 * under `/upload/`, and Socket Mode WebSockets under `/link/`. It enforces what the real one enforces and
 * the adapter must respect: bearer tokens, message limits, one chat.postMessage per second per channel
 * (429 + Retry-After), five uses per response_url within 30 minutes.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { parse as parseQuery } from "node:querystring";
import { METHODS } from "./methods.js";
import { FakeSocketMode } from "./socket.js";
import { type ApiCall, type Failure, FakeSlackState, type ResponseUrlPost } from "./state.js";
import { validateMessage } from "./validate.js";

export interface FakeSlackOptions {
  botToken: string;
  appToken?: string;
  teamId?: string;
  botUserId?: string;
  /** chat.postMessage calls allowed per channel per second; 0 disables the limit. */
  postsPerSecondPerChannel?: number;
  /** Where apps.connections.open sends clients (e.g. a wss:// server of a test); default this fake. */
  socketBaseUrl?: string;
}

const RESPONSE_URL_USES = 5;
const RESPONSE_URL_TTL_MS = 30 * 60_000;

export class FakeSlack {
  readonly state = new FakeSlackState();
  readonly socket: FakeSocketMode;
  private readonly server: Server;
  private readonly teamId: string;
  private readonly botUserId: string;
  private readonly postsPerSecond: number;

  private constructor(private readonly options: FakeSlackOptions) {
    this.teamId = options.teamId ?? "T0FAKETEAM";
    this.botUserId = options.botUserId ?? "U0FAKEBOT";
    this.postsPerSecond = options.postsPerSecondPerChannel ?? 1;
    this.socket = new FakeSocketMode(() => options.socketBaseUrl ?? this.baseUrl.replace(/^http/, "ws"));
    this.server = createServer((req, res) => {
      this.route(req, res).catch((err: unknown) => {
        res.writeHead(500, { "content-type": "text/plain" });
        res.end(String(err));
      });
    });
    this.server.on("upgrade", (req, socket, head) => this.socket.handleUpgrade(req, socket, head));
  }

  static async start(options: FakeSlackOptions): Promise<FakeSlack> {
    const fake = new FakeSlack(options);
    await new Promise<void>((resolve) => fake.server.listen(0, "127.0.0.1", resolve));
    return fake;
  }

  get baseUrl(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  get apiUrl(): string {
    return `${this.baseUrl}/api/`;
  }

  get team(): string {
    return this.teamId;
  }

  /** A fresh response_url, as Slack puts in each command and interaction payload. */
  /** A click's trigger_id, which views.open accepts for 3 seconds. */
  newTrigger(): string {
    const id = `${Date.now()}.${this.state.triggers.size + 1}.${randomUUID().slice(0, 8)}`;
    this.state.triggers.set(id, Date.now());
    return id;
  }

  newResponseUrl(): string {
    const id = randomUUID();
    this.state.responseUrls.set(id, { createdAt: Date.now(), uses: 0 });
    return `${this.baseUrl}/respond/${id}`;
  }

  /** The next calls of `method` fail as given, in order. */
  failNext(method: string, ...failures: Failure[]): void {
    this.state.failures.set(method, [...(this.state.failures.get(method) ?? []), ...failures]);
  }

  calls(method?: string): ApiCall[] {
    return method ? this.state.calls.filter((c) => c.method === method) : [...this.state.calls];
  }

  /** Resolves with the first successful call of `method` matching `accept` (already made, or future). */
  waitForCall(
    method: string,
    accept: (c: ApiCall) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<ApiCall> {
    const hit = (c: ApiCall) => c.method === method && c.status === 200 && !c.error && accept(c);
    return this.waitFor("call", this.state.calls, hit, timeoutMs, method);
  }

  waitForResponse(
    accept: (p: ResponseUrlPost) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<ResponseUrlPost> {
    return this.waitFor(
      "respond",
      this.state.responsePosts,
      (p) => p.status === 200 && accept(p),
      timeoutMs,
      "response_url",
    );
  }

  async close(): Promise<void> {
    this.socket.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private waitFor<T>(
    event: string,
    seen: T[],
    accept: (v: T) => boolean,
    timeoutMs: number,
    what: string,
  ): Promise<T> {
    const found = seen.find(accept);
    if (found) return Promise.resolve(found);
    return new Promise<T>((resolve, reject) => {
      const onEvent = (v: T) => {
        if (!accept(v)) return;
        clearTimeout(timer);
        this.state.off(event, onEvent);
        resolve(v);
      };
      const timer = setTimeout(() => {
        this.state.off(event, onEvent);
        reject(new Error(`fake Slack: no matching ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.state.on(event, onEvent);
    });
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const raw = await readAll(req);
    if (req.method !== "POST") return send(res, 405, "method_not_allowed");
    if (url.pathname.startsWith("/api/")) return this.api(url.pathname.slice(5), req, raw, res);
    if (url.pathname.startsWith("/respond/")) return this.respond(url.pathname.slice(9), raw, res);
    if (url.pathname.startsWith("/upload/")) return this.upload(url.pathname.slice(8), req, raw, res);
    send(res, 404, "not_found");
  }

  private async api(method: string, req: IncomingMessage, raw: Buffer, res: ServerResponse): Promise<void> {
    const args = parseArgs(req.headers["content-type"], raw);
    const now = Date.now();
    const record = (status: number, error?: string) =>
      this.state.record({ method, args, status, ...(error ? { error } : {}), at: now });
    const token = (req.headers.authorization ?? "").replace(/^Bearer\s+/i, "") || String(args.token ?? "");
    const wanted = method === "apps.connections.open" ? this.options.appToken : this.options.botToken;
    if (!token || token !== wanted) {
      record(200, token ? "invalid_auth" : "not_authed");
      return json(res, 200, { ok: false, error: token ? "invalid_auth" : "not_authed" });
    }
    const failure = this.state.takeFailure(method);
    if (failure) {
      if ("error" in failure) {
        record(200, failure.error);
        return json(res, 200, { ok: false, error: failure.error });
      }
      record(failure.status, `http_${failure.status}`);
      const headers: Record<string, string> =
        "retryAfter" in failure ? { "retry-after": String(failure.retryAfter) } : {};
      return json(res, failure.status, { ok: false, error: "fake_failure" }, headers);
    }
    if (method === "chat.postMessage" && this.postsPerSecond > 0) {
      const channel = String(args.channel ?? "");
      const last = this.state.lastPost.get(channel);
      const gap = 1000 / this.postsPerSecond;
      if (last !== undefined && now - last < gap) {
        const retryAfter = Math.max(1, Math.ceil((gap - (now - last)) / 1000));
        record(429, "ratelimited");
        return json(res, 429, { ok: false, error: "ratelimited" }, { "retry-after": String(retryAfter) });
      }
    }
    if (method === "apps.connections.open") {
      record(200);
      return json(res, 200, { ok: true, url: this.socket.issueUrl() });
    }
    const handler = METHODS[method];
    if (!handler) {
      record(200, "unknown_method");
      return json(res, 200, { ok: false, error: "unknown_method" });
    }
    const body = handler(
      { state: this.state, now, baseUrl: this.baseUrl, teamId: this.teamId, botUserId: this.botUserId },
      args,
    );
    if (method === "chat.postMessage" && body.ok) this.state.lastPost.set(String(args.channel), now);
    record(200, body.ok ? undefined : String(body.error));
    json(res, 200, body);
  }

  private respond(id: string, raw: Buffer, res: ServerResponse): void {
    const entry = this.state.responseUrls.get(id);
    let body: Record<string, unknown> = {};
    let error: string | undefined;
    try {
      body = JSON.parse(raw.toString("utf8"));
    } catch {
      error = "invalid_payload";
    }
    const verdict = validateMessage(body);
    if (!entry) error ??= "no_such_url";
    else if (Date.now() - entry.createdAt > RESPONSE_URL_TTL_MS) error ??= "expired_url";
    else if (entry.uses >= RESPONSE_URL_USES) error ??= "used_url";
    else if (!verdict.ok) error ??= verdict.error;
    const status = !error ? 200 : error.endsWith("_url") ? 404 : 400;
    if (!error && entry) entry.uses++;
    this.state.recordResponse({ seq: this.state.nextSeq(), id, body, status, ...(error ? { error } : {}) });
    send(res, status, error ?? "ok");
  }

  private async upload(id: string, req: IncomingMessage, raw: Buffer, res: ServerResponse): Promise<void> {
    const file = this.state.files.get(id);
    if (!file) return send(res, 404, "file_not_found");
    let content = raw;
    const type = req.headers["content-type"] ?? "";
    if (type.startsWith("multipart/form-data")) {
      const form = await new Response(new Uint8Array(raw), { headers: { "content-type": type } }).formData();
      const part = [...form.values()].find((v) => typeof v !== "string") as Blob | undefined;
      if (!part) return send(res, 400, "no_file_part");
      content = Buffer.from(await part.arrayBuffer());
    }
    if (content.length !== file.length) return send(res, 400, "length_mismatch");
    file.content = content;
    send(res, 200, `OK - ${content.length}`);
  }
}

function parseArgs(contentType: string | undefined, raw: Buffer): Record<string, unknown> {
  const text = raw.toString("utf8");
  if ((contentType ?? "").startsWith("application/json")) {
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch {
      return {};
    }
  }
  return { ...parseQuery(text) } as Record<string, unknown>;
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
  res.end(JSON.stringify(body));
}

function send(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
  res.end(text);
}
