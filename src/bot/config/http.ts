/**
 * The `http:` section: where the bot's HTTP server listens and the limits that keep one client from
 * holding it (slow headers, endless bodies, idle keep-alives, connection floods). An optional admin
 * address moves `/readyz` and `/metrics` off the public port, which then serves only chat and webhook
 * routes and `/healthz`.
 */
import { z } from "zod";
import { positiveDuration } from "../../services/duration.js";

const port = z.number().int().min(0).max(65535);

export const HTTP_DEFAULTS = {
  port: 8080,
  host: "0.0.0.0",
  adminHost: "127.0.0.1",
  maxBodyBytes: 1024 * 1024,
  headersTimeout: 10_000,
  requestTimeout: 30_000,
  keepAliveTimeout: 5_000,
  maxConnections: 1024,
} as const;

export const httpConfigSchema = z
  .object({
    port: port.default(HTTP_DEFAULTS.port),
    host: z.string().min(1).default(HTTP_DEFAULTS.host),
    adminPort: port
      .optional()
      .describe(
        "Serve /readyz and /metrics only here; the public port then answers chat and webhook routes and /healthz",
      ),
    adminHost: z
      .string()
      .min(1)
      .default(HTTP_DEFAULTS.adminHost)
      .describe("Address of the admin port; loopback unless a scraper elsewhere needs it"),
    maxBodyBytes: z
      .number()
      .int()
      .min(1024)
      .max(64 * 1024 * 1024)
      .default(HTTP_DEFAULTS.maxBodyBytes)
      .describe("Largest request body any route accepts; larger ones get 413 without being read"),
    headersTimeout: positiveDuration
      .default(HTTP_DEFAULTS.headersTimeout)
      .describe("A connection that has not sent its whole request head by then is closed"),
    requestTimeout: positiveDuration
      .default(HTTP_DEFAULTS.requestTimeout)
      .describe("Longest time to receive a whole request, head and body"),
    keepAliveTimeout: positiveDuration
      .default(HTTP_DEFAULTS.keepAliveTimeout)
      .describe("How long an idle keep-alive connection stays open"),
    maxConnections: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .default(HTTP_DEFAULTS.maxConnections)
      .describe("Open connections per listening port; further ones are dropped at once"),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.headersTimeout > c.requestTimeout) {
      ctx.addIssue({
        code: "custom",
        path: ["headersTimeout"],
        message: "must not be longer than requestTimeout",
      });
    }
    if (c.adminPort !== undefined && c.adminPort !== 0 && c.adminPort === c.port) {
      ctx.addIssue({ code: "custom", path: ["adminPort"], message: "must differ from http.port" });
    }
  });

export type HttpConfig = z.infer<typeof httpConfigSchema>;
