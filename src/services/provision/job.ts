/**
 * The `vm.create` job: one card step per stage (clone → configure → resize → start → wait for agent →
 * post-boot steps → report), each stage working on every VM of the job with per-node limits. A failure
 * anywhere runs the cleanup, which removes what the job made unless `--keep-on-failure`.
 */
import { defineJob, type JobDefinition, jobKind, payloadParser } from "../jobs/definition.js";
import type { ReplyField } from "../vocabulary/reply.js";
import { agentStep, postBootStep, startStep } from "./boot.js";
import { cleanupCreate } from "./cleanup.js";
import { cloneStep, vmidStep } from "./clone.js";
import { configureStep, resizeStep } from "./configure.js";
import type { CreateContext, ProvisionServices } from "./deps.js";
import { progressOf } from "./each-vm.js";
import { type VmCreateRequest, vmCreateRequestSchema } from "./request.js";

export const VM_CREATE_JOB = jobKind<VmCreateRequest>("vm.create");

type Stage = (deps: ProvisionServices, ctx: CreateContext) => Promise<void>;

export const CREATE_STAGES: ReadonlyArray<{ name: string; label: string; run: Stage }> = [
  { name: "vmid", label: "reserve VMIDs", run: vmidStep },
  { name: "clone", label: "clone the template", run: cloneStep },
  { name: "configure", label: "configure cloud-init, network, tags", run: configureStep },
  { name: "resize", label: "grow the disk", run: resizeStep },
  { name: "start", label: "start", run: startStep },
  { name: "agent", label: "wait for the guest agent", run: agentStep },
  { name: "postboot", label: "run post-boot steps", run: postBootStep },
  { name: "report", label: "report IPs", run: reportStep },
];

async function reportStep(deps: ProvisionServices, ctx: CreateContext): Promise<void> {
  for (const [i] of ctx.data.vms.entries()) {
    const vmid = progressOf(ctx, i).vmid;
    if (vmid !== undefined) await deps.reservations.release(vmid, ctx.jobId);
  }
  // From here on the VMs are the job's result, never something to clean up.
  ctx.state.done = true;
  await ctx.save();
}

export function createVmCreateJob(deps: ProvisionServices): JobDefinition<VmCreateRequest> {
  return defineJob(VM_CREATE_JOB, {
    parse: payloadParser(vmCreateRequestSchema, "vm create request"),
    title: (d) =>
      d.vms.length === 1
        ? `Create VM ${d.vms[0]!.name} from ${d.template.name}`
        : `Create ${d.vms.length} VMs ${d.vms[0]!.name}…${d.vms.at(-1)!.name} from ${d.template.name}`,
    steps: CREATE_STAGES.map((s) => ({
      name: s.name,
      label: s.label,
      run: (ctx: CreateContext) => s.run(deps, ctx),
    })),
    cleanup: (ctx) => cleanupCreate(deps, ctx),
    summary: (ctx) => createSummary(ctx),
  });
}

export function createSummary(ctx: Pick<CreateContext, "data" | "state">): ReplyField[] {
  const rows = ctx.data.vms.map((vm, i) => {
    const p = progressOf(ctx as CreateContext, i);
    return `${vm.name} (${p.vmid ?? "?"}) on ${vm.node}: ${p.ips?.join(", ") || (ctx.data.start ? "no IP" : "stopped")}`;
  });
  return [
    { label: ctx.data.vms.length === 1 ? "VM" : "VMs", value: rows.join("\n") },
    {
      label: "Template",
      value: `${ctx.data.template.name} (${ctx.data.template.vmid}), ${ctx.data.linked ? "linked" : "full"} clone`,
    },
    ...(ctx.data.profile ? [{ label: "Profile", value: ctx.data.profile }] : []),
  ];
}
