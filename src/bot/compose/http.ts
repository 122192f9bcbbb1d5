/**
 * The bot's HTTP surface in three steps, so routes can be built from the composed services (a webhook
 * route needs the stores it writes to): `createHttp` makes the servers with their readiness checks,
 * `mountRoutes` adds the chat and webhook routes, and the bot listens only once its chat adapters are up.
 */

import type { ChatAdapter } from "../../adapters/chat.js";
import type { ProxmoxClient } from "../../adapters/proxmox/index.js";
import { pingClient } from "../../adapters/store/redis.js";
import type { RedisClient } from "../../adapters/store/redis-target.js";
import type { Log } from "../../services/ports.js";
import type { Config } from "../config/schema.js";
import type { ReadinessCheck } from "../http/readiness.js";
import type { MetricsSource, Route } from "../http/server.js";
import { createHttpSurface, type HttpSurface } from "../http/surface.js";

export interface ReadinessInput {
  redis: RedisClient;
  proxmox?: ProxmoxClient;
  /** Every chat adapter of the process, front-ends and notify-only ones alike. */
  adapters: readonly ChatAdapter[];
}

/** `/readyz` follows RedisClient, Proxmox when configured, and every chat platform that can tell. */
export function readinessChecks(input: ReadinessInput): ReadinessCheck[] {
  const { redis, proxmox } = input;
  return [
    { name: "redis", check: () => pingClient(redis, 1000) },
    ...(proxmox ? [{ name: "proxmox", check: () => proxmox.gate.readiness() }] : []),
    ...input.adapters.flatMap((a) =>
      a.readiness ? [{ name: a.platform, check: () => a.readiness!() }] : [],
    ),
  ];
}

export interface HttpInput {
  config: Config["http"];
  log: Log;
  metrics: MetricsSource;
  scrub: (text: string) => string;
  readiness: readonly ReadinessCheck[];
}

export function createHttp(input: HttpInput): HttpSurface {
  return createHttpSurface({
    config: input.config,
    log: input.log.child({ component: "http" }),
    metrics: input.metrics,
    scrub: input.scrub,
    readiness: input.readiness,
  });
}

/**
 * Mounts the chat and webhook routes on the public server (the admin server serves only `/healthz`,
 * `/readyz` and `/metrics`). Two routes claiming one path and method is a wiring bug and throws.
 */
export function mountRoutes(http: HttpSurface, routes: readonly Route[]): void {
  for (const route of routes) http.public.mount(route);
}
