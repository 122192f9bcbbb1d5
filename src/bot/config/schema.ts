/**
 * The whole configuration, validated once at start. Later issues add their sections here (proxmox, slack,
 * discord, templates, alerts). Secrets are recognised by key name (SECRET_KEYS and the patterns in
 * redact.ts) so `config check` and the logger redact them; they may also come from `NAME_FILE` files.
 */
import { z } from "zod";
import { proxmoxConfigSchema } from "../../adapters/proxmox/config.js";
import { slackConfigSchema } from "../../adapters/slack/config.js";
import { ROLES } from "../../commands/types.js";
import { templatesConfigSchema } from "../../services/templates/build/config.js";
import { catalogConfigSchema } from "../../services/templates/catalog/schema.js";
import { httpConfigSchema } from "./http.js";

/** A duration like `15m`, `30s`, `2h`, `1d`, or a number of milliseconds. Parsed to milliseconds. */
export const duration = z
  .union([
    z.number().int().nonnegative(),
    z.string().regex(/^\d+(ms|s|m|h|d)$/, "use a duration like 30s, 15m, 2h, 1d"),
  ])
  .transform((v) => {
    if (typeof v === "number") return v;
    const m = /^(\d+)(ms|s|m|h|d)$/.exec(v)!;
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[
      m[2] as "ms" | "s" | "m" | "h" | "d"
    ];
    return Number(m[1]) * unit;
  });

/** Keys whose values are secrets; redacted everywhere they could be shown. */
export const SECRET_KEYS = [
  "password",
  "token",
  "secret",
  "signingSecret",
  "botToken",
  "appToken",
  "tokenSecret",
];

const subject = z
  .string()
  .regex(
    /^(console|slack|discord):(user|group|role):[^\s:]+$/,
    "use <platform>:user:<id> or <platform>:group:<id> (platform: console, slack, discord)",
  );

const channelRef = z
  .string()
  .regex(/^(console|slack|discord):[^\s:]+$/, "use <platform>:<channel id>, e.g. slack:C0123ABCD");

const commandName = z
  .string()
  .regex(/^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*$/, "use a dotted command name like template.delete");

export const approvalPolicySchema = z
  .object({
    required: z.number().int().min(1).max(10).default(1).describe("Distinct approvers needed"),
    expiry: duration.default(15 * 60_000).describe("How long a request stays open"),
    approvers: z
      .array(subject)
      .default([])
      .describe("Who may approve (subjects); empty means anyone with the approver role"),
  })
  .strict();

export const configSchema = z
  .object({
    redis: z
      .object({
        url: z
          .string()
          .regex(/^rediss?:\/\//, "must start with redis:// or rediss://")
          .default("redis://127.0.0.1:6379"),
        prefix: z
          .string()
          .regex(
            /^[A-Za-z0-9_.-]+(:[A-Za-z0-9_.-]+)*:$/,
            "letters, digits, _ . - in colon-separated parts, ending in a colon, e.g. pvebot: or prod:pvebot:",
          )
          .default("pvebot:"),
      })
      .strict()
      .default({ url: "redis://127.0.0.1:6379", prefix: "pvebot:" }),
    http: httpConfigSchema.prefault({}),
    log: z
      .object({
        level: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
        format: z.enum(["json", "pretty", "auto"]).default("auto"),
      })
      .strict()
      .default({ level: "info", format: "auto" }),
    rbac: z
      .object({
        bindings: z
          .array(z.object({ role: z.enum(ROLES), subjects: z.array(subject).min(1) }).strict())
          .default([])
          .describe("Roles bound to platform identities; no binding means no role"),
        channels: z
          .record(commandName, z.array(channelRef).min(1))
          .default({})
          .describe("Optional per-command channel allow-lists"),
      })
      .strict()
      .default({ bindings: [], channels: {} }),
    approvals: z
      .object({
        default: approvalPolicySchema.default({ required: 1, expiry: 15 * 60_000, approvers: [] }),
        commands: z.record(commandName, approvalPolicySchema).default({}),
        sweepInterval: duration.default(15_000).describe("How often expired requests are closed"),
      })
      .strict()
      .default({
        default: { required: 1, expiry: 15 * 60_000, approvers: [] },
        commands: {},
        sweepInterval: 15_000,
      }),
    jobs: z
      .object({
        runWorker: z.boolean().default(true).describe("Run a job worker inside the bot process"),
        concurrency: z.number().int().min(1).max(64).default(2),
        attempts: z.number().int().min(1).max(20).default(3).describe("Tries for transient failures"),
        backoff: duration.default(1000).describe("First retry delay; doubles each attempt"),
        progressInterval: duration.default(1000).describe("At most one message edit per interval"),
      })
      .strict()
      .default({ runWorker: true, concurrency: 2, attempts: 3, backoff: 1000, progressInterval: 1000 }),
    console: z
      .object({
        user: z.string().min(1).default("console").describe("The user the console chat starts as"),
        channel: z.string().min(1).default("console"),
        users: z
          .record(
            z.string().regex(/^[a-z][a-z0-9_-]*$/, "lower-case user name"),
            z.object({ name: z.string().optional(), groups: z.array(z.string()).default([]) }).strict(),
          )
          .default({}),
      })
      .strict()
      .default({ user: "console", channel: "console", users: {} }),
    proxmox: proxmoxConfigSchema
      .optional()
      .describe("The Proxmox VE API the bot drives; without it, Proxmox commands say so"),
    slack: slackConfigSchema.optional().describe("Slack front-end (/pve); HTTP events or Socket Mode"),
    templates: templatesConfigSchema
      .extend({ catalog: catalogConfigSchema })
      .prefault({})
      .describe(
        "Template builds: VMID range, defaults per cluster and node, SSH keys, limits, schedule, catalog",
      ),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
export type ApprovalPolicyConfig = z.infer<typeof approvalPolicySchema>;
