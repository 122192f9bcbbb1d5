/**
 * The `alerts:` section: the webhook sources (Grafana, Alertmanager) with their auth, and the routing of
 * alert groups to conversations. Secrets (`secret`, `token`, `password`) are redacted by key name and may
 * come from the environment or `_FILE` files for the sources named `grafana` and `alertmanager` (see
 * env.ts). A source without auth is refused unless it says `allowUnauthenticated: true`; matchers are
 * parsed here, so a bad one stops the start with its key.
 */
import { z } from "zod";
import { parseMatcher } from "../../services/alerts/matchers.js";
import { ALERT_SOURCE_KINDS } from "../../services/alerts/model.js";
import { DEFAULT_ROUTE_NAME } from "../../services/alerts/routing.js";
import { duration, positiveDuration } from "../../services/duration.js";
import { PLATFORM_PATTERN, ROLES } from "../../services/vocabulary/identity.js";

const ALERTS_DEFAULTS = {
  bodyLimit: 1024 * 1024,
  labels: ["alertname", "instance", "severity", "job"],
  replayWindow: 5 * 60_000,
  signatureHeader: "X-Grafana-Alerting-Signature",
} as const;

const headerName = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, "an HTTP header name");
const secretText = z.string().min(16, "use at least 16 characters").max(4096);

const basicAuth = z
  .object({
    type: z.literal("basic"),
    username: z
      .string()
      .min(1)
      .max(256)
      .regex(/^[^:]+$/, "no colon in a basic-auth user name"),
    password: secretText,
  })
  .strict();
const bearerAuth = z.object({ type: z.literal("bearer"), token: secretText }).strict();

const webhookAuth = z
  .discriminatedUnion("type", [
    z
      .object({
        type: z.literal("hmac"),
        secret: secretText,
        header: headerName
          .default(ALERTS_DEFAULTS.signatureHeader)
          .describe("Header with the bare hex HMAC-SHA256 of the body"),
        timestampHeader: headerName
          .optional()
          .describe(
            "Header with the Unix time Grafana signed as `<timestamp>:<body>`; enables replay checks",
          ),
        replayWindow: positiveDuration
          .default(ALERTS_DEFAULTS.replayWindow)
          .describe("How far the signed timestamp may be from now; a signature is accepted once"),
      })
      .strict(),
    bearerAuth,
    basicAuth,
    z.object({ type: z.literal("none") }).strict(),
  ])
  .describe("hmac (Grafana 12+), bearer or basic (Alertmanager http_config, Grafana), or none");

const httpUrl = z.string().regex(/^https?:\/\/[^\s]+$/, "an http(s) URL");

const sourceSchema = z
  .object({
    kind: z.enum(ALERT_SOURCE_KINDS),
    path: z
      .string()
      .regex(/^\/[A-Za-z0-9._~/-]*[A-Za-z0-9._~-]$/, "a path like /webhooks/grafana")
      .optional()
      .describe("Where the webhook is served; default /webhooks/<kind>"),
    auth: webhookAuth,
    allowUnauthenticated: z
      .boolean()
      .default(false)
      .describe("Required to run with auth type none; anyone who reaches the port can then post alerts"),
    silences: z
      .object({
        url: httpUrl.describe(
          "Alertmanager v2 API base: http://am:9093/api/v2/ or https://grafana/api/alertmanager/grafana/api/v2/",
        ),
        auth: z.discriminatedUnion("type", [bearerAuth, basicAuth]).optional(),
      })
      .strict()
      .optional()
      .describe("Where Silence buttons create silences for this source's alerts"),
  })
  .strict()
  .superRefine((source, ctx) => {
    if (source.auth.type === "none" && !source.allowUnauthenticated) {
      ctx.addIssue({
        code: "custom",
        path: ["auth"],
        message: "a webhook without auth needs allowUnauthenticated: true (or use hmac, bearer or basic)",
      });
    }
  });

const conversation = z
  .string()
  .regex(new RegExp(`^(${PLATFORM_PATTERN}):[^\\s:]+$`), "use <platform>:<channel id>, e.g. slack:C0123ABCD");
const oncallSubject = z
  .string()
  .regex(
    new RegExp(`^(${PLATFORM_PATTERN}):(user|group|role):[^\\s:]+$`),
    "use <platform>:user:<id>, <platform>:group:<id> or discord:role:<id>",
  );

const routeTarget = {
  to: z.array(conversation).min(1).describe("Conversations the group's message goes to"),
  oncall: z.array(oncallSubject).default([]).describe("Mentioned when the group is re-announced"),
  role: z.enum(ROLES).default("operator").describe("Least role allowed to ack and silence"),
  escalate: z
    .object({
      after: positiveDuration.describe("Re-announce a firing group nobody acknowledged after this long"),
      times: z.number().int().min(1).max(20).default(3),
    })
    .strict()
    .optional(),
};

const matcherText = z.string().superRefine((text, ctx) => {
  const parsed = parseMatcher(text);
  if (!parsed.ok) ctx.addIssue({ code: "custom", message: parsed.message });
});

const routeSchema = z
  .object({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, "lower-case letters, digits, _ and -")
      .refine((n) => n !== DEFAULT_ROUTE_NAME, `"${DEFAULT_ROUTE_NAME}" is the default route's name`),
    matchers: z
      .array(matcherText)
      .default([])
      .describe('Alertmanager matchers, e.g. severity=~"critical|page"'),
    continue: z.boolean().default(false).describe("Go on to the next routes after this one matched"),
    ...routeTarget,
  })
  .strict();

export const alertsConfigSchema = z
  .object({
    sources: z
      .record(z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, "a lower-case source name"), sourceSchema)
      .default({}),
    bodyLimit: z
      .number()
      .int()
      .min(1024)
      .max(64 * 1024 * 1024)
      .default(ALERTS_DEFAULTS.bodyLimit)
      .describe("Largest webhook body in bytes; larger ones get 413 (http.maxBodyBytes caps it too)"),
    labels: z
      .array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "a label name"))
      .default([...ALERTS_DEFAULTS.labels])
      .describe("Labels shown on alert messages"),
    routes: z.array(routeSchema).default([]).describe("Tried in order; the first match wins unless continue"),
    defaultRoute: z
      .object(routeTarget)
      .strict()
      .optional()
      .describe("Takes groups no route matched; without it they are stored and shown by `alerts` only"),
    retention: duration
      .refine((ms) => ms >= 3_600_000, "at least 1h")
      .default(7 * 86_400_000)
      .describe("How long a resolved group stays readable"),
  })
  .strict()
  .superRefine((alerts, ctx) => {
    const paths = new Map<string, string>();
    for (const [name, source] of Object.entries(alerts.sources)) {
      const path = source.path ?? `/webhooks/${source.kind}`;
      const other = paths.get(path);
      if (other !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["sources", name, "path"],
          message: `${path} is already the path of source ${other}; give each source its own path`,
        });
      } else paths.set(path, name);
    }
    const names = new Set<string>();
    alerts.routes.forEach((route, i) => {
      if (names.has(route.name)) {
        ctx.addIssue({ code: "custom", path: ["routes", i, "name"], message: `${route.name} is used twice` });
      }
      names.add(route.name);
    });
  });

export type AlertsConfig = z.infer<typeof alertsConfigSchema>;
export type AlertSourceConfig = AlertsConfig["sources"][string];

/** Where a source's webhook is served. */
export function webhookPath(source: AlertSourceConfig): string {
  return source.path ?? `/webhooks/${source.kind}`;
}
