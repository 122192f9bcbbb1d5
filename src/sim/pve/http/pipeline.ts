import type { IncomingMessage, ServerResponse } from "node:http";
import { evaluateCheck } from "../auth/acl.js";
import { notImplemented, PveHttpError, paramError, permissionError } from "../errors.js";
import type { FaultInjector, RequestLog } from "../faults.js";
import { Listing, type RouteDefinition, type SimRuntime } from "../routes/types.js";
import { type RouteMatch, splitPath } from "../schema/api-schema.js";
import { validateParameters } from "../schema/validate.js";
import {
  BodyTooLarge,
  MalformedBody,
  parseBody,
  parseForm,
  readBody,
  sendJson,
  sendUnauthorized,
} from "./wire.js";

export interface PipelineOptions {
  runtime: SimRuntime;
  routes: RouteDefinition[];
  faults: FaultInjector;
  requests: RequestLog;
  /** pveproxy waits 3 s before answering a failed login; tests usually want 0. */
  authFailureDelayMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const SECRET_KEYS = /password|^value$|secret/i;

/** The request log keeps parameters for assertions, but never passwords or secrets. */
function redact(params: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, SECRET_KEYS.test(k) ? "***" : v]));
}

function safeUnescape(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Merges path, body and query parameters with pveproxy's precedence and conflict rule. */
export function mergeParams(
  match: RouteMatch | undefined,
  body: Record<string, unknown>,
  query: Record<string, unknown>,
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...body, ...query };
  for (const [name, value] of Object.entries(match?.pathParams ?? {})) {
    const given = merged[name];
    if (given !== undefined && String(given) !== value) {
      throw paramError({ [name]: "duplicate parameter (already defined in URI) with conflicting values!" });
    }
    merged[name] = value;
  }
  return merged;
}

/**
 * One request through the stages pveproxy uses: faults (test only), body parsing, authentication,
 * routing (501), token restrictions, schema permission check (403), parameter validation (400),
 * then the handler. Every outcome, including crashes inside a handler, becomes a PVE-shaped answer.
 */
export function createPipeline(opts: PipelineOptions) {
  const { runtime, faults, requests } = opts;
  const handlers = new Map(opts.routes.map((r) => [`${r.method} ${r.path}`, r.handler]));

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? "GET").toUpperCase();
    // Appended to a fixed origin, not resolved against it: a request path such as "//" would otherwise be
    // read as a URL with an empty host and throw before any PVE-shaped answer could be sent.
    const target = req.url?.startsWith("/") ? req.url : "/";
    const url = new URL(`http://sim.invalid${target}`);
    const prefixed = url.pathname.startsWith("/api2/json");
    const segments = splitPath(url.pathname.slice(prefixed ? "/api2/json".length : 0)).map(safeUnescape);
    const path = `/${segments.join("/")}`;
    const query = parseForm(url.search.slice(1));
    const entry = {
      method,
      path,
      query: query as Record<string, unknown>,
      body: {},
      status: 0,
      at: Date.now(),
    };
    requests.record(entry);
    const reply = (status: number, reason: string, body: unknown) => {
      entry.status = status;
      sendJson(res, status, reason, body);
    };
    const fail = (e: PveHttpError) => {
      if (e.status === 401) {
        entry.status = 401;
        sendUnauthorized(res, e.message);
        return;
      }
      const errors = e.errors ? { errors: e.errors } : {};
      reply(e.status, e.message, { data: null, ...errors, message: e.message });
    };

    const drop = faults.takeDrop(method, path);
    if (drop && (drop.when ?? "before") === "before") {
      req.socket.destroy();
      return;
    }
    const latency = faults.takeLatency(method, path);
    if (latency > 0) await sleep(latency);
    try {
      const raw = await readBody(req);
      let body: Record<string, unknown>;
      try {
        body = parseBody(raw, req.headers["content-type"]);
      } catch (e) {
        if (e instanceof MalformedBody) throw new PveHttpError(400, `${e.message}\n`);
        throw e;
      }
      entry.body = redact(body);
      const injected = faults.takeRequestFault(method, path);
      if (injected) throw new PveHttpError(injected.status, injected.message, injected.errors);

      const match = prefixed ? runtime.apiSchema.match(method, segments) : undefined;
      const world = match?.route.info.permissions?.user === "world";
      const auth = world ? undefined : runtime.credentials.authenticate(req.headers, method);
      if (!world && !auth?.ok) {
        if (opts.authFailureDelayMs > 0) await sleep(opts.authFailureDelayMs);
        entry.status = 401;
        sendUnauthorized(res, auth ? auth.statusText : "No ticket");
        return;
      }
      const handler = match && handlers.get(`${method} ${match.route.template}`);
      if (!match || !handler) throw notImplemented(method, path);
      if ((method === "GET" || method === "DELETE") && raw.length > 0) {
        throw new PveHttpError(501, `Unexpected content for method '${method}'`);
      }
      if (auth?.ok && auth.via === "token" && match.route.info.allowtoken === 0) {
        throw permissionError(`URI '${path}' not available with API token, need proper ticket.`);
      }
      const proxied =
        match.route.info.proxyto === "node"
          ? runtime.state.nodes.get(match.pathParams["node"] ?? "")
          : undefined;
      if (proxied && proxied.status !== "online") throw new PveHttpError(595, "No route to host\n");
      const merged = mergeParams(match, body, query);
      const check = match.route.info.permissions?.check;
      const principal = auth?.ok ? auth.principal : { userid: "", privileges: () => new Map() };
      if (check) {
        const verdict = evaluateCheck(check, principal, merged);
        if (!verdict.ok) throw permissionError(verdict.detail);
      }
      const validated = validateParameters(match.route.info, merged);
      if (!validated.ok) throw paramError(validated.errors);
      const data = await handler({ method, path, params: validated.params, principal, rt: runtime });
      if (drop) {
        entry.status = 0;
        req.socket.destroy();
        return;
      }
      if (data instanceof Listing) reply(200, "OK", { data: data.data, total: data.total });
      else reply(200, "OK", { data: data ?? null });
    } catch (e) {
      if (res.headersSent || res.destroyed) return;
      if (e instanceof PveHttpError) fail(e);
      else if (e instanceof BodyTooLarge) fail(new PveHttpError(413, "request entity too large\n"));
      else
        fail(
          new PveHttpError(500, `internal simulator error: ${e instanceof Error ? e.message : String(e)}\n`),
        );
    }
  };
}
