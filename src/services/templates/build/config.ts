/**
 * The `templates:` configuration section for building and keeping templates (the catalog's own
 * `catalog:` sub-section is merged in by the bot's schema). Defaults apply cluster-wide and may be
 * overridden per node, then per build by command flags.
 */
import { z } from "zod";
import { cronProblem, timeZoneProblem } from "../../cron.js";
import { UserError } from "../../errors.js";
import { bridgeId, nodeName, pveTag, storageId } from "../../pve/id-schemas.js";
import { PLATFORM_PATTERN } from "../../vocabulary/identity.js";

/** PVE's `pve-poolid`, with nested pools (`parent/child`, PVE 8.1+) whose levels start with a letter. */
const poolId = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_.-]*(\/[A-Za-z][A-Za-z0-9_.-]*){0,2}$/, "a PVE pool id, e.g. chatops");
const keyName = z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,40}$/i, "a key name like ops or alice-laptop");

/** The rules of each VM setting a build takes, shared by config defaults and `template build` flags. */
export const buildSettingRules = {
  vlan: z.number().int().min(1).max(4094),
  cores: z.number().int().min(1).max(128),
  memory: z.number().int().min(256).max(1_048_576),
  disk: z.number().int().min(1).max(65_536),
  cpu: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.+-]*$/, "a CPU type like x86-64-v2-AES"),
  ciuser: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, "a Linux user name like ops"),
  sshKeyName: keyName,
  tag: pveTag,
};

/** Settings a build may take from config; every field optional so nodes override only what differs. */
export const buildDefaultsSchema = z
  .object({
    storage: storageId.optional().describe("Storage for the VM disks (content images)"),
    imageStorage: storageId.optional().describe("Storage the cloud image is downloaded to (content import)"),
    bridge: bridgeId.optional().describe("Network bridge, e.g. vmbr0"),
    vlan: buildSettingRules.vlan.optional().describe("VLAN tag on net0"),
    cores: buildSettingRules.cores.optional(),
    memory: buildSettingRules.memory.optional().describe("MiB"),
    disk: buildSettingRules.disk.optional().describe("Final disk size in GiB"),
    cpu: buildSettingRules.cpu.optional().describe("CPU type; the API default kvm64 is too old for EL9"),
    ciuser: buildSettingRules.ciuser.optional(),
    sshKeys: z
      .array(buildSettingRules.sshKeyName)
      .optional()
      .describe("Names from templates.sshKeys put on every template"),
    tags: z.array(buildSettingRules.tag).optional(),
  })
  .strict();
export type BuildDefaults = z.infer<typeof buildDefaultsSchema>;

const FALLBACK = {
  storage: "local-lvm",
  imageStorage: "local",
  bridge: "vmbr0",
  cores: 2,
  memory: 2048,
  disk: 20,
  cpu: "x86-64-v2-AES",
  sshKeys: [] as string[],
  tags: [] as string[],
};

export const templatesConfigSchema = z
  .object({
    vmidRange: z
      .object({
        min: z.number().int().min(100).max(999_999_999).default(9000),
        max: z.number().int().min(100).max(999_999_999).default(9999),
      })
      .strict()
      .refine((r) => r.min <= r.max, "vmidRange.min must not exceed vmidRange.max")
      .default({ min: 9000, max: 9999 })
      .describe("VMIDs templates are built into"),
    pool: poolId
      .default("chatops")
      .describe(
        "Resource pool new templates are created in; the bot's token holds its VM rights on /pool/<pool> (docs/PROXMOX.md)",
      ),
    defaultNode: nodeName
      .optional()
      .describe("Node used when a build names none; else the first online node"),
    defaults: buildDefaultsSchema.default({}),
    nodes: z.record(nodeName, buildDefaultsSchema).default({}).describe("Per-node overrides of defaults"),
    sshKeys: z
      .record(keyName, z.string().regex(/^(ssh-|ecdsa-|sk-)\S+ \S+/, "an OpenSSH public key line"))
      .default({})
      .describe("Named public keys; --sshkey takes these names"),
    keep: z.number().int().min(0).max(50).default(2).describe("Superseded versions kept per distro and node"),
    concurrency: z
      .object({
        perNode: z.number().int().min(1).max(64).default(2),
        perStorage: z.number().int().min(1).max(64).default(4),
        storages: z.record(storageId, z.number().int().min(1).max(64)).default({}),
      })
      .strict()
      .default({ perNode: 2, perStorage: 4, storages: {} }),
    schedule: z
      .object({
        cron: z.string().describe("When `template refresh --all` runs"),
        channel: z
          .string()
          .regex(
            new RegExp(`^(${PLATFORM_PATTERN}):[^\\s:]+$`),
            "use <platform>:<channel id>, e.g. slack:C0123ABCD",
          ),
        timezone: z
          .string()
          .min(1)
          .optional()
          .describe("IANA time zone of the cron, e.g. Europe/Berlin; the worker's local zone if unset"),
      })
      .strict()
      .superRefine((schedule, ctx) => {
        const cron = cronProblem(schedule.cron);
        if (cron) ctx.addIssue({ code: "custom", path: ["cron"], message: cron });
        const zone = schedule.timezone === undefined ? undefined : timeZoneProblem(schedule.timezone);
        if (zone) ctx.addIssue({ code: "custom", path: ["timezone"], message: zone });
      })
      .optional(),
  })
  .strict();
export type TemplatesConfig = z.infer<typeof templatesConfigSchema>;
export type TemplatesConfigInput = z.input<typeof templatesConfigSchema>;

/** What a build uses once defaults, node overrides and flags are merged. */
export interface BuildSettings {
  storage: string;
  imageStorage: string;
  bridge: string;
  vlan?: number;
  cores: number;
  memory: number;
  disk: number;
  cpu: string;
  ciuser?: string;
  sshKeys: string[];
  tags: string[];
}

/**
 * Merges flags over the node's overrides over cluster defaults over built-in fallbacks. The distro's own
 * minimum CPU and login user fill in only when config and flags say nothing.
 */
export function resolveBuildSettings(
  config: TemplatesConfig,
  node: string,
  flags: BuildDefaults,
  distro: { minCpu?: string; loginUser?: string } = {},
): BuildSettings {
  const layers = [config.defaults, config.nodes[node] ?? {}, flags];
  const pick = <K extends keyof BuildDefaults>(key: K): BuildDefaults[K] =>
    layers.reduce<BuildDefaults[K]>((acc, layer) => (layer[key] !== undefined ? layer[key] : acc), undefined);
  const vlan = pick("vlan");
  const ciuser = pick("ciuser") ?? distro.loginUser;
  return {
    storage: pick("storage") ?? FALLBACK.storage,
    imageStorage: pick("imageStorage") ?? FALLBACK.imageStorage,
    bridge: pick("bridge") ?? FALLBACK.bridge,
    ...(vlan !== undefined ? { vlan } : {}),
    cores: pick("cores") ?? FALLBACK.cores,
    memory: pick("memory") ?? FALLBACK.memory,
    disk: pick("disk") ?? FALLBACK.disk,
    cpu: pick("cpu") ?? distro.minCpu ?? FALLBACK.cpu,
    ...(ciuser !== undefined ? { ciuser } : {}),
    sshKeys: pick("sshKeys") ?? FALLBACK.sshKeys,
    tags: pick("tags") ?? FALLBACK.tags,
  };
}

/** The public key lines for the named keys; an unknown name is refused with the known ones listed. */
export function sshKeyText(config: TemplatesConfig, names: readonly string[]): string {
  const known = Object.keys(config.sshKeys);
  const lines = names.map((name) => {
    const key = config.sshKeys[name];
    if (key === undefined) {
      throw new UserError(
        "E_ARGS",
        `unknown ssh key "${name}"; configured keys: ${known.length > 0 ? known.join(", ") : "none (set templates.sshKeys)"}`,
      );
    }
    return key.trim();
  });
  return lines.length > 0 ? `${lines.join("\n")}\n` : "";
}

/** The semaphore limit for one storage: its own setting, else the cluster-wide one. */
export function storageLimit(config: TemplatesConfig, storage: string): number {
  return config.concurrency.storages[storage] ?? config.concurrency.perStorage;
}
