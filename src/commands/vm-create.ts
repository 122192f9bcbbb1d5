import { z } from "zod";
import { UserError } from "../services/errors.js";
import { startJob } from "../services/jobs/start.js";
import { VM_CREATE_JOB } from "../services/provision/job.js";
import { checkOffline, planCreate, type VmCreateArgs } from "../services/provision/plan.js";
import { diskSize, memorySize } from "../services/provision/sizes.js";
import { findTemplate } from "../services/provision/template-ref.js";
import { nodeName } from "../services/pve/id-schemas.js";
import { actorLabel } from "../services/templates/build/metadata.js";
import { defineCommand } from "./definition.js";
import { provisionOf } from "./service-guards.js";
import { jobStartReply } from "./visibility.js";

export const vmCreateArgs = z.object({
  name: z.string().max(63).describe("Name of the new VM (name-1…name-N with --count)"),
  from: z.string().max(64).describe("Template VMID or name"),
  node: z.array(nodeName).optional().describe("Node(s) for the VMs, round robin; the template's by default"),
  profile: z.string().max(32).optional().describe("Profile from config (see `vm profiles`)"),
  cores: z.number().int().min(1).max(128).optional(),
  memory: z.string().max(16).optional().describe("e.g. 4G"),
  disk: z.string().max(16).optional().describe("Final boot disk size, e.g. 40G"),
  ip: z.string().max(32).optional().describe("dhcp or an address with prefix, e.g. 10.20.0.5/24"),
  gw: z.string().max(15).optional().describe("Gateway for a static --ip"),
  vlan: z.number().int().min(1).max(4094).optional(),
  sshKey: z.array(z.string().max(41)).optional().describe("Key names from config"),
  linked: z.boolean().optional().describe("Linked clone instead of a full one"),
  start: z.boolean().optional().describe("Start the VM and report its IPs"),
  count: z.number().int().min(1).max(500).optional().describe("Make name-1…name-N"),
  keepOnFailure: z.boolean().optional().describe("Keep the VMs of a failed job for a look"),
});
type Args = z.infer<typeof vmCreateArgs>;

function sized<T>(schema: z.ZodType<T>, value: string | undefined, flag: string): T | undefined {
  if (value === undefined) return undefined;
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new UserError("E_ARGS", `${flag} ${value}: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

function toCreateArgs(args: Args): VmCreateArgs {
  const { memory, disk, ...rest } = args;
  const memoryMiB = sized(memorySize, memory, "--memory");
  const diskGiB = sized(diskSize, disk, "--disk");
  return {
    ...rest,
    ...(memoryMiB !== undefined ? { memoryMiB } : {}),
    ...(diskGiB !== undefined ? { diskGiB } : {}),
  };
}

export const vmCreate = defineCommand({
  name: "vm.create",
  summary: "Create VMs from a template, ready to log in to",
  args: vmCreateArgs,
  positionals: [{ name: "name" }],
  suggest: { from: "template", node: "node" },
  permission: "operator",
  destructive: false,
  // A profile marked `approval: true` needs a second person; decided from config before any request.
  needsApproval: (services, args) =>
    args.profile !== undefined && services.provision?.config.profiles[args.profile]?.approval === true,
  async resolve(ctx, args) {
    const deps = provisionOf(ctx.services);
    const offline = checkOffline(deps, toCreateArgs(args));
    const { ref, config } = await findTemplate(deps.proxmox, args.from);
    return {
      // A new template under the same name or VMID is another target than the one approved.
      identity: `template vmid=${ref.vmid} name=${ref.name} node=${ref.node} meta=${String(config.meta ?? "")}`,
      fields: [
        { label: "Template", value: `${ref.name} (${ref.vmid}) on ${ref.node}` },
        { label: "VMs", value: offline.names.join(", ") },
        ...(offline.profile ? [{ label: "Profile", value: offline.profile.name }] : []),
      ],
      value: ref,
    };
  },
  async run(ctx, args) {
    const deps = provisionOf(ctx.services);
    const data = await planCreate(deps, toCreateArgs(args), actorLabel(ctx.actor));
    const info = await startJob(ctx.services.jobs, VM_CREATE_JOB, data, {
      requestedBy: ctx.actor,
      conversation: ctx.conversation,
      requestId: ctx.requestId,
    });
    const what = data.vms.length === 1 ? data.vms[0]!.name : `${data.vms.length} VMs`;
    return jobStartReply({
      text: `Creating ${what} from ${data.template.name} as job ${info.id}.`,
      tone: "info",
      jobId: info.id,
    });
  },
});
