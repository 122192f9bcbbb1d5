/**
 * The `updates:` config section: how long the bot's snapshots are kept, the timeouts of one VM's update,
 * per-tag health checks run by the bot, rollout defaults and maintenance windows.
 */
import { z } from "zod";
import { cronProblem, timeZoneProblem } from "../cron.js";
import { duration, positiveDuration } from "../duration.js";
import { PLATFORM_PATTERN } from "../vocabulary/identity.js";

const tagName = z.string().regex(/^[a-z0-9_][a-z0-9_+.-]*$/i, "a PVE tag: letters, digits, _ + . -");

const healthCheckSchema = z.union([
  z
    .object({
      http: z
        .string()
        .regex(
          /^https?:\/\/(\{ip\}|[^/\s]+)(:\d+)?(\/\S*)?$/,
          "an http(s) URL; {ip} stands for the VM's address",
        )
        .describe("GET must answer 2xx; {ip} is replaced by the VM's first IPv4 address from the agent"),
    })
    .strict(),
  z
    .object({
      tcp: z.number().int().min(1).max(65535).describe("A TCP port on the VM's address that must accept"),
    })
    .strict(),
]);
export type HealthCheck = z.infer<typeof healthCheckSchema>;

export const rolloutOptionsSchema = z
  .object({
    reboot: z.enum(["auto", "never", "always"]).default("auto"),
    batch: z.number().int().min(1).max(50).default(5),
    canary: z.number().int().min(0).max(50).default(1),
    securityOnly: z.boolean().default(false),
    noRollback: z.boolean().default(false),
    /** Failures tolerated before the rollout halts; 0 halts on the first. */
    tolerance: z.number().int().min(0).max(1000).default(0),
  })
  .strict();
export type RolloutOptions = z.infer<typeof rolloutOptionsSchema>;

const windowSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, "lower-case letters, digits and -"),
    cron: z.string().describe("When the window opens"),
    timezone: z.string().min(1).default("UTC"),
    target: z.string().min(1).describe("What `update apply` would take, e.g. `tag:web pool:chatops`"),
    channel: z
      .string()
      .regex(
        new RegExp(`^(${PLATFORM_PATTERN}):[^\\s:]+$`),
        "use <platform>:<channel id>, e.g. slack:C0123ABCD",
      ),
    options: rolloutOptionsSchema.partial().default({}),
    policy: z
      .enum(["pre-approved", "ask"])
      .default("ask")
      .describe("pre-approved: runs at the window; ask: posts an approval request when the window opens"),
    announce: duration.default(3_600_000).describe("How long before the window the channel is told; 0: not"),
  })
  .strict()
  .superRefine((w, ctx) => {
    const cron = cronProblem(w.cron);
    if (cron) ctx.addIssue({ code: "custom", path: ["cron"], message: cron });
    const zone = timeZoneProblem(w.timezone);
    if (zone) ctx.addIssue({ code: "custom", path: ["timezone"], message: zone });
  });
export type MaintenanceWindow = z.infer<typeof windowSchema>;

export const updatesConfigSchema = z
  .object({
    retention: positiveDuration
      .default(7 * 86_400_000)
      .describe("How long `chatops-pre-*` snapshots are kept"),
    nodeLimit: z.number().int().min(1).max(50).default(2).describe("VMs updated at once per node"),
    timeouts: z
      .object({
        upgrade: positiveDuration.default(30 * 60_000),
        agent: positiveDuration
          .default(5 * 60_000)
          .describe("How long the agent may take to answer after a reboot"),
        check: positiveDuration.default(10_000).describe("One HTTP or TCP health check"),
      })
      .strict()
      .prefault({}),
    /** Pause between two exec-status polls. */
    pollInterval: positiveDuration.default(2000),
    healthChecks: z.record(tagName, z.array(healthCheckSchema)).default({}).describe("Per PVE tag"),
    defaults: rolloutOptionsSchema.prefault({}),
    windows: z
      .array(windowSchema)
      .default([])
      .refine((ws) => new Set(ws.map((w) => w.name)).size === ws.length, "window names must be unique"),
  })
  .strict();
export type UpdatesConfig = z.infer<typeof updatesConfigSchema>;
export type UpdatesConfigInput = z.input<typeof updatesConfigSchema>;
