/**
 * The `proxmox:` configuration section, mounted in the bot's config schema; the loader maps PROXMOX_URL, PROXMOX_TOKEN_ID, PROXMOX_TOKEN_SECRET(_FILE), PROXMOX_TLS_FINGERPRINT and
 * PROXMOX_TLS_CA_FILE onto it. TLS verification cannot be switched off here by design: the only choices
 * are the system trust store, a CA file, or a certificate fingerprint pin. Plain http (which sends the API
 * token in clear) needs `allowInsecureHttp: true`, so it is never the result of a typo in the URL.
 */
import { z } from "zod";
import { duration, positiveDuration } from "../../services/duration.js";

/** Adds :8006 when the URL has no port, because proxmox-api would otherwise talk to 443/80. */
function normalizeUrl(raw: string, ctx: z.RefinementCtx): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    ctx.addIssue({ code: "custom", message: "not a URL; use https://pve1.example:8006" });
    return z.NEVER;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    ctx.addIssue({
      code: "custom",
      message: "use an https:// URL (http:// only with proxmox.allowInsecureHttp: true)",
    });
    return z.NEVER;
  }
  if (url.username || url.password) {
    ctx.addIssue({ code: "custom", message: "no credentials in the URL; use tokenId and tokenSecret" });
    return z.NEVER;
  }
  if ((url.pathname !== "/" && url.pathname !== "") || url.search || url.hash) {
    ctx.addIssue({
      code: "custom",
      message: "give only scheme, host and port; the API path /api2/json is implied",
    });
    return z.NEVER;
  }
  // URL drops a port equal to the scheme's default (443), so read an explicit one from the text.
  const explicitPort = /^[a-z]+:\/\/(?:\[[^\]]*\]|[^/:?#]*)(?::(\d+))?/i.exec(raw.trim())?.[1];
  return `${url.protocol}//${url.hostname}:${url.port || explicitPort || "8006"}`;
}

export const TOKEN_ID_PATTERN = /^[^\s@:!]+@[A-Za-z][A-Za-z0-9.\-_]+![A-Za-z][A-Za-z0-9.\-_]+$/;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const FINGERPRINT_PATTERN = /^([0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$/;

export const proxmoxConfigSchema = z
  .object({
    url: z
      .string()
      .transform(normalizeUrl)
      .describe("PVE API base, e.g. https://pve1.example:8006 (port 8006 when omitted)"),
    tokenId: z
      .string()
      .regex(TOKEN_ID_PATTERN, "use USER@REALM!TOKENNAME, e.g. chatops@pve!bot")
      .describe("API token id"),
    tokenSecret: z
      .string()
      .regex(UUID_PATTERN, "the token secret is the UUID PVE showed once")
      .describe("secret"),
    tlsFingerprint: z
      .string()
      .regex(FINGERPRINT_PATTERN, "use the SHA-256 fingerprint as shown by PVE: 32 colon-separated hex bytes")
      .transform((v) => v.toUpperCase())
      .optional()
      .describe("Pin the node certificate by its SHA-256 fingerprint"),
    tlsCaFile: z.string().min(1).optional().describe("PEM file of the CA that signed the PVE certificate"),
    timeouts: z
      .object({
        request: positiveDuration.default(30_000).describe("Whole request, connect to last byte"),
        task: positiveDuration.default(15 * 60_000).describe("How long to follow a task before giving up"),
        start: positiveDuration
          .default(30_000)
          .describe("At start, how long to wait for the API to accept connections before exiting with 1"),
      })
      .strict()
      .default({ request: 30_000, task: 15 * 60_000, start: 30_000 }),
    getRetries: z
      .number()
      .int()
      .min(0)
      .max(10)
      .default(3)
      .describe("Retries of a failed GET; never other verbs"),
    versionCacheTtl: positiveDuration.default(30_000).describe("How long /readyz reuses the version probe"),
    inventoryCacheTtl: duration
      .default(5_000)
      .describe(
        "How long vms, vm, nodes, storage, template list and autocomplete reuse one /cluster/resources read " +
          "(0: only requests at the same moment share it); the bot's own changes drop it at once",
      ),
    allowInsecureHttp: z
      .boolean()
      .default(false)
      .describe(
        "Allow an http:// URL; the API token then crosses the network in clear (local simulator only)",
      ),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.url.startsWith("http://") && !c.allowInsecureHttp) {
      ctx.addIssue({
        code: "custom",
        path: ["url"],
        message:
          "plain http sends the API token unencrypted; use https://, or set proxmox.allowInsecureHttp: true " +
          "(PROXMOX_ALLOW_INSECURE_HTTP=true) for a local simulator",
      });
    }
  });

export type ProxmoxConfig = z.output<typeof proxmoxConfigSchema>;
export type ProxmoxConfigInput = z.input<typeof proxmoxConfigSchema>;
