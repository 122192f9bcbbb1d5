/**
 * The bot's HTTP server: `/healthz`, `/readyz`, `/metrics`, and whatever the adapters mount (Slack
 * events, alert webhooks). Built on node:http so every adapter shares one port and one lifecycle; the
 * admin endpoints may live on a second instance (see surface.ts).
 *
 * Routing: built-in endpoints first, then the routes (routing.ts). A path that matches only with other
 * methods answers 405 with `Allow`. Every mounted route gets its body from the one reader (body.ts):
 * a body over the limit is refused with 413, by its declared length before it is read, and the connection
 * is closed. Built-in endpoints and unknown paths take no body. Head, request and keep-alive timeouts and
 * a connection cap apply to every connection (limits.ts). A bad request gets a 4xx; a handler that throws
 * or rejects gets a 500 and a logged stack; nothing a client sends can make the server throw. Access lines
 * are logged at debug without the query string (it may carry tokens).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Log } from "../../services/ports.js";
import { declaredTooLarge, hasBody, readBody } from "./body.js";
import {
  armFirstHeadTimeout,
  type ConnectionLimits,
  DEFAULT_LIMITS,
  refuseAndClose,
  serverOptions,
} from "./limits.js";
import { type ReadinessCheck, runReadiness } from "./readiness.js";
import { sendError, sendJson, sendText } from "./respond.js";
import {
  BUILT_IN,
  type BuiltInEndpoint,
  candidates,
  pathnameOf,
  type Route,
  validateRoute,
} from "./routing.js";

export type { Route, RouteHandler } from "./routing.js";

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
  /** Built-in endpoints this instance answers; all three by default. Others answer 404. */
  endpoints?: readonly BuiltInEndpoint[];
  /** Timeouts, connection cap and body limit; defaults in limits.ts. */
  limits?: Partial<ConnectionLimits>;
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

/** Node's client errors that have their own status; anything else is a plain 400. */
const CLIENT_ERROR_STATUS: Record<string, string> = {
  ERR_HTTP_REQUEST_TIMEOUT: "408 Request Timeout",
  HPE_HEADER_OVERFLOW: "431 Request Header Fields Too Large",
};

const DROP_WARNING_EVERY_MS = 60_000;

export function createHttpServer(options: HttpServerOptions): HttpServer {
  const log = options.log;
  const limits: ConnectionLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const endpoints = new Set<string>(options.endpoints ?? [...BUILT_IN]);
  const routes: Route[] = [];
  for (const route of options.routes ?? []) routes.push(validateRoute(route, routes));
  const readiness = [...(options.readiness ?? [])];
  const sockets = new Set<Socket>();
  /** New connections whose first request head has not arrived yet, with the function that disarms their timer. */
  const waitingForHead = new WeakMap<Socket, () => void>();
  const inFlight = new Set<ServerResponse>();
  let server: Server | undefined;
  let closing = false;
  let lastDropWarning = Number.NEGATIVE_INFINITY;

  async function builtIn(res: ServerResponse, pathname: string): Promise<void> {
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

  /** Answers without reading the body; a request that carries one loses its connection afterwards. */
  function answerUnread(
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    code: string,
    message: string,
    headers: Record<string, string> = {},
  ): void {
    if (hasBody(req)) refuseAndClose(req, res, status, code, message, headers);
    else sendError(res, status, code, message, headers);
  }

  /**
   * @param accept called once the body is going to be read; a client that sent `Expect: 100-continue`
   *   is told to go on only then, so a refused body is never sent at all.
   */
  async function dispatch(
    req: IncomingMessage,
    res: ServerResponse,
    pathname: string,
    accept: () => void,
  ): Promise<void> {
    if (BUILT_IN.has(pathname) && endpoints.has(pathname)) {
      if (req.method !== "GET" && req.method !== "HEAD") {
        answerUnread(req, res, 405, "method_not_allowed", `${pathname} answers GET and HEAD`, {
          Allow: "GET, HEAD",
        });
      } else if (hasBody(req)) {
        refuseAndClose(req, res, 413, "payload_too_large", `${pathname} takes no request body`);
      } else {
        await builtIn(res, pathname);
      }
      return;
    }
    const matching = candidates(routes, pathname);
    const route = matching.find((r) => r.method === undefined || r.method === req.method);
    if (!route) {
      if (matching.length === 0) {
        answerUnread(req, res, 404, "not_found", `nothing at ${pathname}`);
        return;
      }
      const allow = [...new Set(matching.map((r) => r.method!))].join(", ");
      answerUnread(req, res, 405, "method_not_allowed", `${pathname} does not answer ${req.method}`, {
        Allow: allow,
      });
      return;
    }
    const limit = Math.min(route.maxBodyBytes ?? limits.maxBodyBytes, limits.maxBodyBytes);
    const tooLarge = `request body is larger than ${limit} bytes`;
    if (declaredTooLarge(req, limit)) {
      refuseAndClose(req, res, 413, "payload_too_large", tooLarge);
      return;
    }
    accept();
    const outcome = await readBody(req, limit);
    if (outcome.ok) {
      await route.handler(req, res, outcome.body);
      return;
    }
    if (outcome.reason === "aborted") res.destroy();
    else refuseAndClose(req, res, 413, "payload_too_large", tooLarge);
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse, accept = () => {}): Promise<void> {
    const started = performance.now();
    waitingForHead.get(req.socket)?.();
    waitingForHead.delete(req.socket);
    const pathname = pathnameOf(req);
    inFlight.add(res);
    res.once("close", () => inFlight.delete(res));
    if (closing) res.setHeader("Connection", "close");
    try {
      if (pathname === undefined) {
        answerUnread(req, res, 400, "bad_request", "the request target is not a valid path");
      } else {
        await dispatch(req, res, pathname, accept);
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
    const created = createServer(serverOptions(limits), (req, res) => {
      onRequest(req, res).catch(() => res.destroy());
    });
    created.maxConnections = limits.maxConnections;
    created.on("checkContinue", (req: IncomingMessage, res: ServerResponse) => {
      onRequest(req, res, () => res.writeContinue()).catch(() => res.destroy());
    });
    created.on("clientError", (err: NodeJS.ErrnoException, socket) => {
      log.debug({ code: err.code }, "malformed or timed-out HTTP request");
      const status = CLIENT_ERROR_STATUS[err.code ?? ""] ?? "400 Bad Request";
      if (socket.writable && !socket.destroyed)
        socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      else socket.destroy();
    });
    created.on("drop", () => {
      const now = performance.now();
      if (now - lastDropWarning < DROP_WARNING_EVERY_MS) return;
      lastDropWarning = now;
      log.warn(
        { maxConnections: limits.maxConnections, port: options.port },
        "HTTP connection cap reached; new connections are dropped",
      );
    });
    created.on("connection", (socket: Socket) => {
      waitingForHead.set(socket, armFirstHeadTimeout(socket, limits));
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
