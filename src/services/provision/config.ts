/**
 * The `provision:` configuration section: where new VMs get their VMIDs, how many one job makes at once
 * per node, the networks static addresses come from, and the named profiles `vm create --profile` applies.
 * A profile is a shape of VM (cores, memory, disk, network, tags, cloud-init values) plus the steps run
 * in the guest through the agent once it answers, and whether creating one needs a second person.
 */
import { z } from "zod";
import { positiveDuration } from "../duration.js";
import { bridgeId, pveTag } from "../pve/id-schemas.js";
import { networkSchema } from "./networks.js";
import { diskSize, memorySize } from "./sizes.js";

const keyName = z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,40}$/i, "a key name like ops or alice-laptop");

/** One command run in the guest: through `/bin/sh -c`, bounded in time, with the exit codes that pass. */
export const postBootStepSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9 _.-]{0,60}$/i, "a short step name like install-docker"),
    run: z.string().min(1).max(8192).describe("Shell script run with /bin/sh -c in the guest"),
    input: z
      .string()
      .max(60_000)
      .optional()
      .describe("Given to the script on stdin, e.g. a compose file the script writes with cat > file"),
    timeout: positiveDuration.default(600_000).describe("How long the step may run"),
    expectExit: z
      .array(z.number().int().min(0).max(255))
      .min(1)
      .default([0])
      .describe("Exit codes that pass"),
  })
  .strict();
export type PostBootStep = z.infer<typeof postBootStepSchema>;

export const cloudInitSchema = z
  .object({
    user: z
      .string()
      .regex(/^[a-z_][a-z0-9_-]{0,31}$/, "a Linux user name like ops")
      .optional(),
    sshKeys: z.array(keyName).optional().describe("Names from templates.sshKeys"),
    nameserver: z.string().max(255).optional().describe("DNS servers, space separated"),
    searchdomain: z.string().max(255).optional(),
    cicustom: z
      .string()
      .regex(
        /^(user|network|meta|vendor)=[a-z][a-z0-9._-]*:snippets\/\S+(,(user|network|meta|vendor)=\S+)*$/i,
      )
      .optional()
      .describe(
        "Custom cloud-init files on a snippet storage the admin keeps, e.g. user=local:snippets/k3s.yml",
      ),
  })
  .strict();

export const profileSchema = z
  .object({
    description: z.string().max(200).optional(),
    cores: z.number().int().min(1).max(128).optional(),
    memory: memorySize.optional().describe("e.g. 4G"),
    disk: diskSize.optional().describe("Final size of the first disk, e.g. 40G"),
    network: z
      .object({
        bridge: bridgeId.optional(),
        vlan: z.number().int().min(1).max(4094).optional(),
        ip: z.literal("dhcp").optional().describe("dhcp; static addresses are given per create with --ip"),
      })
      .strict()
      .optional(),
    tags: z.array(pveTag).default([]),
    cloudInit: cloudInitSchema.default({}),
    approval: z.boolean().default(false).describe("Creating a VM with this profile needs a second person"),
    postBoot: z.array(postBootStepSchema).default([]),
  })
  .strict();
export type Profile = z.infer<typeof profileSchema>;

const profileName = z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, "a profile name like docker-host");

export const provisionConfigSchema = z
  .object({
    vmidRange: z
      .object({
        min: z.number().int().min(100).max(999_999_999).default(1000),
        max: z.number().int().min(100).max(999_999_999).default(8999),
      })
      .strict()
      .refine((r) => r.min <= r.max, "vmidRange.min must not exceed vmidRange.max")
      .default({ min: 1000, max: 8999 })
      .describe("VMIDs new VMs get; keep it apart from templates.vmidRange"),
    perNode: z.number().int().min(1).max(64).default(4).describe("VMs one job works on at once per node"),
    maxCount: z.number().int().min(1).max(500).default(50).describe("Largest --count"),
    agentTimeout: positiveDuration
      .default(300_000)
      .describe("How long a started VM's agent may take to answer"),
    nameserver: z.string().max(255).optional(),
    searchdomain: z.string().max(255).optional(),
    networks: z.array(networkSchema).default([]).describe("Networks static --ip addresses must be in"),
    profiles: z.record(profileName, profileSchema).default({}),
  })
  .strict();
export type ProvisionConfig = z.infer<typeof provisionConfigSchema>;
export type ProvisionConfigInput = z.input<typeof provisionConfigSchema>;
