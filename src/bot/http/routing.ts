/**
 * Route table rules of the bot's HTTP server: what may be mounted, and which routes claim a path. Exact
 * paths win over prefixes (paths ending in "/"), longer prefixes over shorter ones.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

/** Gets the raw body, already read and within the limit; handlers never read `req` themselves. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void | Promise<void>;

export interface Route {
  /** Upper-case HTTP method; any method when omitted. */
  method?: string;
  /** Exact path (`/slack/events`) or a prefix ending in "/" (`/webhooks/`). */
  path: string;
  handler: RouteHandler;
  /** Largest body this route accepts; the server's limit when omitted (it may only be lowered). */
  maxBodyBytes?: number;
}

export type BuiltInEndpoint = "/healthz" | "/readyz" | "/metrics";

export const BUILT_IN: ReadonlySet<string> = new Set<BuiltInEndpoint>(["/healthz", "/readyz", "/metrics"]);

export function validateRoute(route: Route, existing: readonly Route[]): Route {
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
export function candidates(routes: readonly Route[], pathname: string): Route[] {
  const exact = routes.filter((r) => !r.path.endsWith("/") && r.path === pathname);
  const prefixed = routes
    .filter((r) => r.path.endsWith("/") && pathname.startsWith(r.path))
    .sort((a, b) => b.path.length - a.path.length);
  return [...exact, ...prefixed];
}

export function pathnameOf(req: IncomingMessage): string | undefined {
  const raw = req.url ?? "";
  if (!raw.startsWith("/")) return undefined;
  try {
    return new URL(raw, "http://localhost").pathname;
  } catch {
    return undefined;
  }
}
