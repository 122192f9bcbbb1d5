import { z } from "zod";
import { startJob } from "../services/jobs/start.js";
import { actorLabel } from "../services/templates/build/metadata.js";
import { UPDATE_APPLY_JOB } from "../services/updates/apply-job.js";
import { rolloutOptionsSchema } from "../services/updates/config.js";
import { resolveVms } from "../services/updates/resolve.js";
import type { Expansion } from "../services/updates/targets.js";
import { type CommandContext, defineCommand } from "./definition.js";
import { updatesOf } from "./service-guards.js";
import { targetWords } from "./update-common.js";
import { jobStartReply } from "./visibility.js";

const option = rolloutOptionsSchema.shape;

const applyArgs = z.object({
  target: targetWords,
  reboot: option.reboot.unwrap().optional().describe("auto (when the guest asks), never or always"),
  batch: option.batch.unwrap().optional().describe("VMs updated in parallel after the canaries"),
  canary: option.canary.unwrap().optional().describe("VMs updated first, alone, before any batch"),
  securityOnly: z.boolean().optional().describe("Only security updates (apt, dnf, zypper)"),
  noRollback: z.boolean().optional().describe("Keep a failed VM as it is (its snapshot stays)"),
  tolerance: option.tolerance.unwrap().optional().describe("Failures tolerated before the rollout halts"),
});

const resolveApply = (ctx: CommandContext, args: z.infer<typeof applyArgs>) =>
  resolveVms(updatesOf(ctx.services).proxmox, args.target, "apply");

export const updateApply = defineCommand<typeof applyArgs, Expansion>({
  name: "update.apply",
  summary: "Snapshot, upgrade, check; roll back on failure",
  args: applyArgs,
  positionals: [{ name: "target", variadic: true }],
  suggest: { target: "vm" },
  permission: "operator",
  destructive: true,
  resolve: resolveApply,
  async run(ctx, args, resolved) {
    const u = updatesOf(ctx.services);
    const target = resolved ?? (await resolveApply(ctx, args));
    const d = u.config.defaults;
    const options = {
      reboot: args.reboot ?? d.reboot,
      batch: args.batch ?? d.batch,
      canary: args.canary ?? d.canary,
      securityOnly: args.securityOnly ?? d.securityOnly,
      noRollback: args.noRollback ?? d.noRollback,
      tolerance: args.tolerance ?? d.tolerance,
    };
    const vms = target.value.vms;
    const info = await startJob(
      ctx.services.jobs,
      UPDATE_APPLY_JOB,
      {
        title: `Update ${args.target.join(" ")} (${vms.length} VM${vms.length === 1 ? "" : "s"})`,
        conversation: ctx.conversation,
        vms,
        options,
        requestedBy: actorLabel(ctx.actor),
      },
      { requestedBy: ctx.actor, conversation: ctx.conversation, requestId: ctx.requestId },
    );
    return jobStartReply({
      text: `Updating ${vms.length} VM${vms.length === 1 ? "" : "s"} as job ${info.id}; one message below follows every VM.`,
      tone: "info",
      jobId: info.id,
    });
  },
});
