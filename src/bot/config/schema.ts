/**
 * The whole configuration, validated once at start; each feature's section is mounted here from the
 * module that owns it (proxmox, slack, templates). Secrets are recognised by key name (SECRET_KEYS and the patterns in
 * redact.ts) so `config check` and the logger redact them; they may also come from `NAME_FILE` files.
 */
import { z } from "zod";
import { discordConfigSchema } from "../../adapters/discord/config.js";
import { proxmoxConfigSchema } from "../../adapters/proxmox/config.js";
import { slackConfigSchema } from "../../adapters/slack/config.js";
import { redisConfigSchema } from "../../adapters/store/config.js";
import { duration, positiveDuration } from "../../services/duration.js";
import { provisionConfigSchema } from "../../services/provision/config.js";
import { templatesConfigSchema } from "../../services/templates/build/config.js";
import { catalogConfigSchema } from "../../services/templates/catalog/schema.js";
import { updatesConfigSchema } from "../../services/updates/config.js";
import { PLATFORM_PATTERN, ROLES } from "../../services/vocabulary/identity.js";
import { alertsConfigSchema } from "./alerts.js";
import { httpConfigSchema } from "./http.js";

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
    new RegExp(`^(${PLATFORM_PATTERN}):(user|group|role):[^\\s:]+$`),
    "use <platform>:user:<id> or <platform>:group:<id> (platform: console, slack, discord)",
  );

const channelRef = z
  .string()
  .regex(new RegExp(`^(${PLATFORM_PATTERN}):[^\\s:]+$`), "use <platform>:<channel id>, e.g. slack:C0123ABCD");

const commandName = z
  .string()
  .regex(/^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*$/, "use a dotted command name like template.delete");

const identity = z
  .string()
  .regex(
    new RegExp(`^(${PLATFORM_PATTERN}):user:[^\\s:]+$`),
    "use <platform>:user:<id> (platform: console, slack, discord); groups are not people",
  );

/**
 * One human's identities on every platform. The two-person rule counts people, so an identity may belong
 * to one person only, and a name to one entry.
 */
const peopleSchema = z
  .array(
    z
      .object({
        name: z
          .string()
          .min(1)
          .max(80)
          .regex(/^[^\p{Cc}]+$/u, "no control characters")
          .describe("Shown on approval cards"),
        identities: z.array(identity).min(1),
      })
      .strict(),
  )
  .superRefine((people, ctx) => {
    const owner = new Map<string, number>();
    const names = new Map<string, number>();
    people.forEach((person, i) => {
      const name = person.name.trim().toLowerCase();
      const sameName = names.get(name);
      if (sameName !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: [i, "name"],
          message: `${person.name} is already the name of people[${sameName}]; each person is listed once`,
        });
      } else names.set(name, i);
      person.identities.forEach((id, j) => {
        const first = owner.get(id);
        if (first === undefined) owner.set(id, i);
        else if (first === i) {
          ctx.addIssue({ code: "custom", path: [i, "identities", j], message: `${id} is listed twice` });
        } else {
          ctx.addIssue({
            code: "custom",
            path: [i, "identities", j],
            message: `${id} already belongs to ${people[first]!.name} (people[${first}]); an identity is one person's`,
          });
        }
      });
    });
  });

export const approvalPolicySchema = z
  .object({
    required: z.number().int().min(1).max(10).default(1).describe("Distinct approvers needed"),
    expiry: positiveDuration.default(15 * 60_000).describe("How long a request stays open"),
    approvers: z
      .array(subject)
      .default([])
      .describe("Who may approve (subjects); empty means anyone with the approver role"),
  })
  .strict();

export const configSchema = z
  .object({
    redis: redisConfigSchema.prefault({}),
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
    people: peopleSchema
      .default([])
      .describe("Identities linked across platforms to one person; approvals count people, not accounts"),
    approvals: z
      .object({
        default: approvalPolicySchema.default({ required: 1, expiry: 15 * 60_000, approvers: [] }),
        commands: z.record(commandName, approvalPolicySchema).default({}),
        sweepInterval: positiveDuration.default(15_000).describe("How often expired requests are closed"),
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
        backoff: positiveDuration.default(1000).describe("First retry delay; doubles each attempt"),
        progressInterval: positiveDuration.default(1000).describe("At most one message edit per interval"),
        stallTimeout: positiveDuration
          .optional()
          .describe(
            "How soon a job whose worker died (no lock renewal) is handed to another worker; BullMQ's 30 s when unset",
          ),
        maxStalls: z
          .number()
          .int()
          .min(1)
          .max(100)
          .optional()
          .describe("Worker deaths one job survives before it fails as stalled; BullMQ's 1 when unset"),
      })
      .strict()
      .default({ runWorker: true, concurrency: 2, attempts: 3, backoff: 1000, progressInterval: 1000 }),
    audit: z
      .object({
        maxAge: duration
          .refine((ms) => ms >= 86_400_000 && ms <= 10 * 365 * 86_400_000, "use 1d to 3650d")
          .default(90 * 86_400_000)
          .describe("Audit records older than this are dropped from the stream; export them first"),
        maxEntries: z
          .number()
          .int()
          .min(1000)
          .max(100_000_000)
          .default(1_000_000)
          .describe("At most about this many audit records are kept (the oldest go first)"),
      })
      .strict()
      .default({ maxAge: 90 * 86_400_000, maxEntries: 1_000_000 })
      .describe("Retention of the audit stream: whichever bound is reached first trims the oldest records"),
    outbox: z
      .object({
        lease: positiveDuration
          .default(30_000)
          .describe(
            "How long a conversation stays claimed by a bot process that stopped answering before another one sends it",
          ),
        poll: positiveDuration
          .default(500)
          .describe("How often a process looks for conversations left without a sender"),
        keyTtl: positiveDuration
          .default(30 * 86_400_000)
          .describe("How long a keyed post (an alert group's message) is remembered, refreshed on each use"),
        maxPerConversation: z
          .number()
          .int()
          .min(100)
          .max(1_000_000)
          .default(10_000)
          .describe("Messages one conversation may have waiting; more are refused and counted as failed"),
      })
      .strict()
      .default({ lease: 30_000, poll: 500, keyTtl: 30 * 86_400_000, maxPerConversation: 10_000 })
      .describe("The durable outbox in Redis that every chat message goes through"),
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
    discord: discordConfigSchema.optional().describe("Discord front-end (/pve) over the gateway"),
    templates: templatesConfigSchema
      .extend({ catalog: catalogConfigSchema })
      .prefault({})
      .describe(
        "Template builds: VMID range, defaults per cluster and node, SSH keys, limits, schedule, catalog",
      ),
    provision: provisionConfigSchema
      .prefault({})
      .describe("VMs from templates (vm create): VMID range, per-node limit, networks, profiles"),
    updates: updatesConfigSchema
      .prefault({})
      .describe(
        "Guest updates: snapshot retention, timeouts, per-tag health checks, rollout defaults, windows",
      ),
    alerts: alertsConfigSchema
      .prefault({})
      .describe(
        "Grafana and Alertmanager webhooks, their auth, and routing of alert groups to conversations",
      ),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
export type ApprovalPolicyConfig = z.infer<typeof approvalPolicySchema>;
