/**
 * The data of one `vm.create` job: everything decided before the job starts (template, names, nodes,
 * sizes, cloud-init values, post-boot steps), so the job itself makes no choices a retry could make
 * differently. It crosses Redis as JSON and is parsed again when the job runs.
 */
import { z } from "zod";
import { postBootStepSchema } from "./config.js";

export const templateRefSchema = z.object({
  vmid: z.number().int(),
  node: z.string(),
  name: z.string(),
  /** The first disk (`scsi0`, `virtio0`…) and its size in bytes; the one `--disk` grows. */
  diskKey: z.string(),
  diskBytes: z.number().int().nonnegative(),
  storage: z.string(),
});
export type TemplateRef = z.infer<typeof templateRefSchema>;

export const plannedVmSchema = z.object({
  name: z.string(),
  node: z.string(),
  /** `ip=dhcp` or `ip=10.0.0.5/24,gw=10.0.0.1`; absent keeps the template's. */
  ipconfig: z.string().optional(),
});
export type PlannedVm = z.infer<typeof plannedVmSchema>;

export const vmCreateRequestSchema = z.object({
  template: templateRefSchema,
  vms: z.array(plannedVmSchema).min(1),
  linked: z.boolean(),
  pool: z.string(),
  profile: z.string().optional(),
  cores: z.number().int().optional(),
  memoryMiB: z.number().int().optional(),
  diskGiB: z.number().int().optional(),
  bridge: z.string().optional(),
  vlan: z.number().int().optional(),
  ciuser: z.string().optional(),
  /** Public key lines (not names): the job never needs the config to know them. */
  sshKeys: z.string().optional(),
  nameserver: z.string().optional(),
  searchdomain: z.string().optional(),
  cicustom: z.string().optional(),
  tags: z.array(z.string()),
  start: z.boolean(),
  postBoot: z.array(postBootStepSchema.extend({ timeout: z.number().int() })),
  keepOnFailure: z.boolean(),
  perNode: z.number().int().min(1),
  agentTimeoutMs: z.number().int().positive(),
  requestedBy: z.string(),
});
export type VmCreateRequest = z.infer<typeof vmCreateRequestSchema>;
