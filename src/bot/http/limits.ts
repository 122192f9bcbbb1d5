/**
 * Limits every listening socket of the bot gets, so one client cannot hold the server: slow request heads,
 * slow bodies, idle keep-alive connections and connection floods.
 *
 * Node enforces the head and request timeouts by sweeping its connections every
 * `connectionsCheckingInterval` (30 s by default), so a timeout of 10 s would really be up to 40 s. The
 * sweep here runs every tenth of the head timeout, and Node is given the head timeout minus one sweep, so
 * a connection is closed within the configured head timeout, never after it.
 */
import type { IncomingMessage, ServerOptions, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { sendError } from "./respond.js";

export interface ConnectionLimits {
  /** The whole request head must arrive within this time. */
  headersTimeoutMs: number;
  /** The whole request, head and body, must arrive within this time. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this time. */
  keepAliveTimeoutMs: number;
  /** Open connections per listening socket; Node drops further ones at once. */
  maxConnections: number;
  /** Largest body a route accepts, unless the route sets its own. */
  maxBodyBytes: number;
}

export const DEFAULT_LIMITS: ConnectionLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 1024,
  maxBodyBytes: 1024 * 1024,
};

/** How often Node looks for connections past their head or request timeout. */
export function sweepIntervalMs(limits: ConnectionLimits): number {
  return Math.min(1000, Math.max(10, Math.floor(limits.headersTimeoutMs / 10)));
}

/**
 * Node counts the head timeout from a request's first byte, so a connection that sends nothing, or waits
 * before its first byte, is not timed out by Node. This closes a new connection, with 408, when its first
 * request head has not arrived within the head timeout counted from the connection (less one sweep, like
 * Node's own check). Returns the function that disarms it once the head has arrived.
 */
export function armFirstHeadTimeout(socket: Socket, limits: ConnectionLimits): () => void {
  const timer = setTimeout(
    () => {
      if (socket.destroyed) return;
      socket.write(TIMED_OUT_RESPONSE, () => socket.destroy());
      // A peer that reads nothing would keep the write pending; it goes anyway.
      setTimeout(() => socket.destroy(), 1000).unref();
    },
    Math.max(1, limits.headersTimeoutMs - sweepIntervalMs(limits)),
  );
  timer.unref();
  const disarm = () => clearTimeout(timer);
  socket.once("close", disarm);
  return disarm;
}

const TIMED_OUT_RESPONSE = "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";

/** Options for `http.createServer`; the connection cap is a property and is set by {@link capConnections}. */
export function serverOptions(limits: ConnectionLimits): ServerOptions {
  const sweep = sweepIntervalMs(limits);
  const headersTimeout = Math.max(1, limits.headersTimeoutMs - sweep);
  return {
    headersTimeout,
    requestTimeout: Math.max(headersTimeout, limits.requestTimeoutMs - sweep),
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: sweep,
  };
}

/**
 * Answers with an error and closes the connection once the answer is written, without reading what is
 * left of the request: Node would otherwise drain the rest of the body to reuse the connection.
 */
export function refuseAndClose(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  res.once("finish", () => req.socket.destroy());
  sendError(res, status, code, message, { ...headers, Connection: "close" });
}
