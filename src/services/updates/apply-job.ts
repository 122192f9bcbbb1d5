/**
 * The `update.apply` job: the rollout of `update apply` and of maintenance windows. One step runs every
 * VM (see rollout.ts and vm-update.ts) and keeps one summary message live; the per-VM records live in
 * the job state, so a worker that takes the job over resumes it. A halt or a failed rollback fails the
 * job with the reason; a cancel ends it between VMs.
 */
import { z } from "zod";
import { UserError } from "../errors.js";
import {
  defineJob,
  type JobDefinition,
  type JobRunContext,
  type JsonObject,
  jobKind,
  payloadParser,
} from "../jobs/definition.js";
import { ThrottledMessage } from "../jobs/progress.js";
import type { NotifierByPlatform } from "../ports.js";
import { type MessageRef, PLATFORMS } from "../vocabulary/identity.js";
import { rolloutOptionsSchema } from "./config.js";
import type { UpdateServices } from "./deps.js";
import { type RolloutEnd, runRollout } from "./rollout.js";
import { countPhases, renderSummary } from "./summary.js";
import { isFinal, type VmRecord } from "./vm-record.js";
import { updateVm } from "./vm-update.js";

const conversationSchema = z.object({
  platform: z.enum(PLATFORMS),
  channelId: z.string().min(1),
  threadId: z.string().optional(),
  extra: z.record(z.string(), z.string()).optional(),
});

const applyDataSchema = z
  .object({
    title: z.string().min(1),
    conversation: conversationSchema,
    vms: z
      .array(
        z
          .object({
            vmid: z.number().int().min(100),
            name: z.string(),
            node: z.string().min(1),
            tags: z.array(z.string()),
            /** PVE's creation time (ms), as the approval bound it; absent for VMs PVE wrote none for. */
            createdAt: z.number().int().nonnegative().optional(),
          })
          .strict(),
      )
      .min(1),
    options: rolloutOptionsSchema,
    /** Who the snapshot descriptions name. */
    requestedBy: z.string().min(1),
  })
  .strict();
export type ApplyData = z.infer<typeof applyDataSchema>;

export const UPDATE_APPLY_JOB = jobKind<ApplyData>("update.apply");

export interface ApplyJobDeps {
  updates: UpdateServices;
  notifiers: NotifierByPlatform;
  /** Minimum time between edits of the summary; default 1 s. */
  editIntervalMs?: number;
}

export function createUpdateApplyJob(deps: ApplyJobDeps): JobDefinition<ApplyData> {
  return defineJob(UPDATE_APPLY_JOB, {
    parse: payloadParser(applyDataSchema, "update rollout"),
    title: (data) => data.title,
    steps: [
      {
        name: "rollout",
        label: "update the VMs",
        async run(ctx) {
          const end = await rollOut(deps, ctx, () => ctx.signal.aborted);
          const records = ctx.state.vms as unknown as Record<string, VmRecord>;
          const counts = countPhases(records);
          if (end === "cancelled") throw new UserError("E_JOB", "rollout cancelled between VMs");
          if ((counts.get("rollback-failed") ?? 0) > 0)
            throw new UserError("E_JOB", "a rollback failed; the rollout stopped (see the summary message)");
          if (end === "halted")
            throw new UserError(
              "E_JOB",
              "the rollout halted after a failure; the remaining VMs were not touched",
            );
        },
      },
    ],
    /**
     * After a cancel or a final failure: a cancel seen before the step ran (a worker died mid-rollout and
     * the next one found the cancel request first) or a step that gave up would leave VMs between their
     * snapshot and their end. Each is taken to its end (rollback included); queued VMs are cancelled.
     */
    async cleanup(ctx) {
      const records = ctx.state.vms as unknown as Record<string, VmRecord> | undefined;
      if (!records || Object.values(records).every(isFinal)) return [];
      const open = ctx.data.vms.filter((vm) => {
        const r = records[String(vm.vmid)];
        return r !== undefined && !isFinal(r) && r.phase !== "queued";
      });
      await rollOut(deps, ctx, () => true);
      return open.map((vm) => `VM ${vm.vmid} ${vm.name}: ${records[String(vm.vmid)]!.phase}`);
    },
    summary(ctx) {
      const counts = countPhases((ctx.state.vms ?? {}) as unknown as Record<string, VmRecord>);
      const n = (p: Parameters<typeof counts.get>[0]) => String(counts.get(p) ?? 0);
      return [
        { label: "Updated", value: n("done") },
        { label: "Rolled back", value: n("rolled-back") },
        { label: "Failed", value: n("failed") },
        { label: "Skipped", value: n("skipped") },
      ];
    },
  });
}

/**
 * Runs (or resumes) the rollout over the records in the job state, keeping the one summary message live;
 * `cancelled` says when no further VM may start.
 */
async function rollOut(
  deps: ApplyJobDeps,
  ctx: JobRunContext<ApplyData>,
  cancelled: () => boolean,
): Promise<RolloutEnd> {
  const { data } = ctx;
  const u = deps.updates;
  const notifier = deps.notifiers[data.conversation.platform];
  if (!notifier) throw new UserError("E_CONFIG", `no chat connected for ${data.conversation.platform}`);
  ctx.state.vms ??= {};
  const records = ctx.state.vms as unknown as Record<string, VmRecord>;
  const view = (end?: RolloutEnd) =>
    renderSummary({
      title: data.title,
      vms: data.vms,
      records,
      options: data.options,
      nodeLimit: u.config.nodeLimit,
      requestedBy: ctx.requestedBy,
      ...(end ? { end } : {}),
    });
  // One message for the whole rollout, also across workers: its ref is kept in the job state.
  if (!ctx.state.summary) {
    ctx.state.summary = (await notifier.post(data.conversation, view())) as unknown as JsonObject;
    await ctx.save();
  }
  const summary = new ThrottledMessage({
    notifier,
    message: ctx.state.summary as unknown as MessageRef,
    intervalMs: deps.editIntervalMs ?? 1000,
    clock: u.clock,
    log: ctx.log,
  });
  const total = data.vms.length;
  const changed = () => {
    const finished = [...countPhases(records)]
      .filter(([p]) => !["queued", "snapshot", "upgrade", "reboot", "health", "rollback"].includes(p))
      .reduce((n, [, c]) => n + c, 0);
    ctx.progress(finished / total, `${finished}/${total} VMs finished`);
    summary.set(view());
  };
  let end: RolloutEnd;
  try {
    end = await runRollout({
      vms: data.vms,
      records,
      options: data.options,
      nodeLimit: u.config.nodeLimit,
      cancelled,
      changed,
      update: (vm, record) =>
        updateVm({
          deps: u,
          vm,
          record,
          options: data.options,
          jobId: ctx.jobId,
          requestedBy: data.requestedBy,
          save: () => ctx.save(),
          changed,
        }),
    });
  } catch (err) {
    await summary.flush(view());
    throw err;
  }
  ctx.state.end = end;
  await ctx.save();
  await summary.flush(view(end));
  return end;
}
