/**
 * The bot's HTTP surface as configured under `http:`: one public server, plus an admin server when
 * `http.adminPort` is set. With an admin server, `/readyz` and `/metrics` exist only there (readiness
 * details and metrics describe the deployment and should not face the internet); the public port then
 * serves the chat and webhook routes and `/healthz`.
 */
import type { Log } from "../../services/ports.js";
import type { HttpConfig } from "../config/http.js";
import type { ConnectionLimits } from "./limits.js";
import type { ReadinessCheck } from "./readiness.js";
import { createHttpServer, type HttpServer, type MetricsSource, type Route } from "./server.js";

export interface HttpSurfaceOptions {
  config: HttpConfig;
  log: Log;
  metrics: MetricsSource;
  routes?: readonly Route[];
  readiness?: readonly ReadinessCheck[];
  scrub?: (text: string) => string;
}

export interface HttpSurface {
  readonly public: HttpServer;
  readonly admin: HttpServer | undefined;
  /** Starts the admin server first, so readiness can be watched as soon as chat traffic may arrive. */
  listen(): Promise<{ port: number; adminPort?: number }>;
  close(): Promise<void>;
}

export function limitsFrom(config: HttpConfig): ConnectionLimits {
  return {
    headersTimeoutMs: config.headersTimeout,
    requestTimeoutMs: config.requestTimeout,
    keepAliveTimeoutMs: config.keepAliveTimeout,
    maxConnections: config.maxConnections,
    maxBodyBytes: config.maxBodyBytes,
  };
}

export function createHttpSurface(options: HttpSurfaceOptions): HttpSurface {
  const { config } = options;
  const limits = limitsFrom(config);
  const separate = config.adminPort !== undefined;
  const common = {
    metrics: options.metrics,
    readiness: options.readiness,
    scrub: options.scrub,
    limits,
  };
  const publicServer = createHttpServer({
    ...common,
    host: config.host,
    port: config.port,
    log: options.log,
    routes: options.routes,
    endpoints: separate ? ["/healthz"] : ["/healthz", "/readyz", "/metrics"],
  });
  const admin =
    config.adminPort === undefined
      ? undefined
      : createHttpServer({
          ...common,
          host: config.adminHost,
          port: config.adminPort,
          log: options.log.child({ listener: "admin" }),
          endpoints: ["/healthz", "/readyz", "/metrics"],
        });
  return {
    public: publicServer,
    admin,
    async listen() {
      const adminPort = admin ? (await admin.listen()).port : undefined;
      try {
        const { port } = await publicServer.listen();
        return adminPort === undefined ? { port } : { port, adminPort };
      } catch (err) {
        await admin?.close();
        throw err;
      }
    },
    async close() {
      await Promise.all([publicServer.close(), admin?.close()]);
    },
  };
}
