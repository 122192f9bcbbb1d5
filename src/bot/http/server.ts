/**
 * The bot's one HTTP server: `/healthz`, `/readyz`, `/metrics`, and whatever the adapters mount (Slack
 * events, alert webhooks). Built on node:http so every adapter shares one port and one lifecycle.
 *
 * Routing: built-in endpoints first, then the first mounted route whose path and method both match, trying
 * exact paths before prefixes (paths ending in "/") and longer prefixes before shorter ones. A path that
 * matches only with other methods answers 405 with `Allow`. A handler that never answers is cut off by
 * Node's own request timeout (5 minutes by default). A bad request gets a
 * 4xx; a handler that throws or rejects gets a 500 and a logged stack; nothing a client sends can make the
 * server throw. Access lines are logged at debug without the query string (it may carry tokens).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Log } from "../../services/ports.js";
import { type ReadinessCheck, runReadiness } from "./readiness.js";
import { sendError, sendJson, sendText } from "./respond.js";

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface Route {
  /** Upper-case HTTP method; any method when omitted. */
  method?: string;
  /** Exact path (`/slack/events`) or a prefix ending in "/" (`/webhooks/`). */
  path: string;
  handler: RouteHandler;
}

export interface MetricsSource {
  readonly contentType: string;
  render(): Promise<string>;
}

export interface HttpServerOptions {
  host: string;
  /** 0 picks a free port; `listen()` tells which. */
  port: number;
  log: Log;
  readiness?: readonly ReadinessCheck[];
  metrics: MetricsSource;
  routes?: readonly Route[];
  /** Per-check limit for `/readyz`; default 2000 ms. */
  readinessTimeoutMs?: number;
  /** Applied to readiness details before they are shown (e.g. a scrubber of secret values). */
  scrub?: (text: string) => string;
  /** How long `close()` waits for requests in flight before cutting connections; default 5000 ms. */
  closeGraceMs?: number;
}

export interface HttpServer {
  listen(): Promise<{ port: number }>;
  close(): Promise<void>;
  /** Adds a route after creation; throws if the path is malformed or already taken (a wiring bug). */
  mount(route: Route): void;
}

const BUILT_IN = new Set(["/healthz", "/readyz", "/metrics"]);

function validateRoute(route: Route, existing: readonly Route[]): Route {
  if (!route.path.startsWith("/") || /[\s?#]/.test(route.path)) {
    throw new Error(
      `route path must start with "/" and hold no spaces, "?" or "#": ${JSON.stringify(route.path)}`,
    );
  }
  if (BUILT_IN.has(route.path)) throw new Error(`${route.path} is built in and cannot be mounted`);
  const method = route.method?.toUpperCase();
  const clash = existing.find(
    (r) => r.path === route.path && (r.method === undefined || method === undefined || r.method === method),
  );
  if (clash) throw new Error(`route ${method ?? "*"} ${route.path} is already mounted`);
  return method === undefined ? route : { ...route, method };
}

/** Routes that claim `pathname`, best first: exact paths, then prefixes from the longest down. */
function candidates(routes: readonly Route[], pathname: string): Route[] {
  const exact = routes.filter((r) => !r.path.endsWith("/") && r.path === pathname);
  const prefixed = routes
    .filter((r) => r.path.endsWith("/") && pathname.startsWith(r.path))
    .sort((a, b) => b.path.length - a.path.length);
  return [...exact, ...prefixed];
}

function pathnameOf(req: IncomingMessage): string | undefined {
  const raw = req.url ?? "";
  if (!raw.startsWith("/")) return undefined;
  try {
    return new URL(raw, "http://localhost").pathname;
  } catch {
    return undefined;
  }
}

export function createHttpServer(options: HttpServerOptions): HttpServer {
  const log = options.log;
  const routes: Route[] = [];
  for (const route of options.routes ?? []) routes.push(validateRoute(route, routes));
  const readiness = [...(options.readiness ?? [])];
  const sockets = new Set<Socket>();
  const inFlight = new Set<ServerResponse>();
  let server: Server | undefined;
  let closing = false;

  async function builtIn(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    if (req.method !== "GET" && req.method !== "HEAD") {
      sendError(res, 405, "method_not_allowed", `${pathname} answers GET and HEAD`, { Allow: "GET, HEAD" });
      return;
    }
    if (pathname === "/healthz") {
      sendJson(res, 200, { status: "ok" });
    } else if (pathname === "/readyz") {
      const report = await runReadiness(readiness, {
        timeoutMs: options.readinessTimeoutMs,
        scrub: options.scrub,
      });
      const failed = report.checks.filter((c) => !c.ok).map((c) => c.name);
      if (report.ready) sendJson(res, 200, { status: "ready", checks: report.checks });
      else sendJson(res, 503, { status: "not ready", failed, checks: report.checks });
    } else {
      const text = await options.metrics.render();
      sendText(res, 200, text, options.metrics.contentType);
    }
  }

  async function dispatch(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    if (BUILT_IN.has(pathname)) {
      await builtIn(req, res, pathname);
      return;
    }
    const matching = candidates(routes, pathname);
    const route = matching.find((r) => r.method === undefined || r.method === req.method);
    if (route) {
      await route.handler(req, res);
      return;
    }
    req.resume();
    if (matching.length > 0) {
      const allow = [...new Set(matching.map((r) => r.method!))].join(", ");
      sendError(res, 405, "method_not_allowed", `${pathname} does not answer ${req.method}`, {
        Allow: allow,
      });
    } else {
      sendError(res, 404, "not_found", `nothing at ${pathname}`);
    }
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const pathname = pathnameOf(req);
    inFlight.add(res);
    res.once("close", () => inFlight.delete(res));
    if (closing) res.setHeader("Connection", "close");
    try {
      if (pathname === undefined) {
        req.resume();
        sendError(res, 400, "bad_request", "the request target is not a valid path");
      } else {
        await dispatch(req, res, pathname);
      }
    } catch (err) {
      log.error({ err, method: req.method, path: pathname }, "HTTP handler failed");
      if (!res.headersSent) sendError(res, 500, "internal_error", "internal error");
      else res.destroy();
    } finally {
      const ms = Math.round(performance.now() - started);
      log.debug({ method: req.method, path: pathname, status: res.statusCode, ms }, "http request");
    }
  }

  function build(): Server {
    const created = createServer((req, res) => {
      onRequest(req, res).catch(() => res.destroy());
    });
    created.on("clientError", (err: NodeJS.ErrnoException, socket) => {
      log.debug({ code: err.code }, "malformed HTTP request");
      if (socket.writable && !socket.destroyed)
        socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
      else socket.destroy();
    });
    created.on("connection", (socket: Socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
    });
    return created;
  }

  return {
    mount(route) {
      routes.push(validateRoute(route, routes));
    },

    listen() {
      if (server?.listening) {
        const address = server.address();
        return Promise.resolve({
          port: typeof address === "object" && address ? address.port : options.port,
        });
      }
      const created = build();
      server = created;
      return new Promise((resolve, reject) => {
        const onError = (err: NodeJS.ErrnoException) => {
          server = undefined;
          reject(new Error(`cannot listen on ${options.host}:${options.port}: ${err.code ?? err.message}`));
        };
        created.once("error", onError);
        created.listen(options.port, options.host, () => {
          created.off("error", onError);
          created.on("error", (err) => log.error({ err }, "HTTP server error"));
          const address = created.address();
          const port = typeof address === "object" && address ? address.port : options.port;
          log.info({ host: options.host, port }, "HTTP server listening");
          resolve({ port });
        });
      });
    },

    close() {
      const current = server;
      server = undefined;
      if (!current) return Promise.resolve();
      closing = true;
      // Requests in flight finish, but their keep-alive connections must not outlive them.
      for (const res of inFlight) {
        if (!res.headersSent) res.setHeader("Connection", "close");
        else res.once("finish", () => current.closeIdleConnections());
      }
      return new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          for (const socket of sockets) socket.destroy();
        }, options.closeGraceMs ?? 5000);
        force.unref();
        current.close(() => {
          clearTimeout(force);
          closing = false;
          resolve();
        });
        current.closeIdleConnections();
      });
    },
  };
}
