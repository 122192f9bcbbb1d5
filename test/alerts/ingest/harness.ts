/** A real HTTP server with the alert webhook routes composed as the bot composes them, on a given Redis. */
import { createHmac } from "node:crypto";
import type { RedisClient as Redis } from "../../../src/adapters/store/redis-target.js";
import { createAlertMetrics } from "../../../src/bot/alert-metrics.js";
import { createAlerts } from "../../../src/bot/compose/alerts.js";
import { alertsConfigSchema } from "../../../src/bot/config/alerts.js";
import { createHttpServer } from "../../../src/bot/http/server.js";
import { createMetrics } from "../../../src/bot/metrics.js";
import type { Log } from "../../../src/services/ports.js";

export const SECRET = "grafana-hmac-secret-0123456789";
export const TOKEN = "alertmanager-bearer-token-0123456789";
export const PASSWORD = "alertmanager-basic-password-0123";

const SOURCES = {
  grafana: { kind: "grafana", auth: { type: "hmac", secret: SECRET } },
  stamped: {
    kind: "grafana",
    path: "/webhooks/grafana-ts",
    auth: { type: "hmac", secret: SECRET, timestampHeader: "X-Grafana-Alerting-Signature-Timestamp" },
  },
  alertmanager: { kind: "alertmanager", auth: { type: "bearer", token: TOKEN } },
  basic: {
    kind: "alertmanager",
    path: "/webhooks/am-basic",
    auth: { type: "basic", username: "am", password: PASSWORD },
  },
  open: { kind: "alertmanager", path: "/webhooks/open", auth: { type: "none" }, allowUnauthenticated: true },
} as const;

export async function startWebhooks(options: {
  redis: Redis;
  prefix: string;
  log: Log;
  now?: () => number;
  bodyLimit?: number;
}) {
  const config = alertsConfigSchema.parse({
    sources: SOURCES,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    defaultRoute: { to: ["console:alerts"] },
  });
  const metrics = createMetrics({ processMetrics: false });
  const alerts = createAlerts({
    config,
    redis: options.redis,
    prefix: options.prefix,
    now: options.now ?? Date.now,
    log: options.log,
    observer: createAlertMetrics(metrics.registry),
  });
  const server = createHttpServer({
    host: "127.0.0.1",
    port: 0,
    log: options.log,
    metrics,
    routes: alerts.routes,
  });
  const { port } = await server.listen();
  return { alerts, server, metrics, base: `http://127.0.0.1:${port}` };
}

export function sign(body: string, timestamp?: string): string {
  const mac = createHmac("sha256", SECRET);
  if (timestamp !== undefined) mac.update(`${timestamp}:`);
  return mac.update(body).digest("hex");
}

export function post(base: string, path: string, body: string, headers: Record<string, string> = {}) {
  return fetch(`${base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
}
