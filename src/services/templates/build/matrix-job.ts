/**
 * The `template.matrix` job: several builds (`template build a b c`, `--all`) or a refresh, reported in
 * one summary message with a per-distro table. A refresh plans at run time, so a scheduled run compares
 * against the checksums of that moment.
 */
import { z } from "zod";
import { UserError } from "../../errors.js";
import {
  defineJob,
  type JobDefinition,
  type JsonObject,
  jobKind,
  payloadParser,
} from "../../jobs/definition.js";
import { ThrottledMessage } from "../../jobs/progress.js";
import type { ApprovalRequester, NotifierByPlatform } from "../../ports.js";
import { PLATFORMS } from "../../vocabulary/identity.js";
import { listTemplates } from "../lifecycle/inventory.js";
import { planRefresh } from "../lifecycle/refresh.js";
import { pruneCandidates } from "../lifecycle/remove.js";
import { initialRows, type MatrixRow, renderMatrix, runMatrix } from "./matrix.js";
import { type BuildRequest, buildRequestSchema } from "./request.js";
import { cleanupBuild, type LeaseBook, type TemplateServices } from "./stages.js";

const matrixDataSchema = z
  .object({
    title: z.string().min(1),
    conversation: z.object({
      platform: z.enum(PLATFORMS),
      channelId: z.string().min(1),
      threadId: z.string().optional(),
      extra: z.record(z.string(), z.string()).optional(),
    }),
    builds: z.array(buildRequestSchema).optional(),
    refresh: z
      .object({ distros: z.array(z.string()), all: z.boolean(), requestedBy: z.string().min(1) })
      .strict()
      .optional(),
  })
  .strict()
  .refine((d) => (d.builds === undefined) !== (d.refresh === undefined), "give either builds or refresh");
export type MatrixData = z.infer<typeof matrixDataSchema>;

export const TEMPLATE_MATRIX_JOB = jobKind<MatrixData>("template.matrix");

export interface MatrixDeps extends TemplateServices {
  notifiers: NotifierByPlatform;
  /** Asks a second person to approve pruning what a refresh superseded beyond `keep`. */
  approvals?: ApprovalRequester;
  /** Minimum time between edits of the summary table; default 1 s. */
  editIntervalMs?: number;
}

interface Planned {
  rows: MatrixRow[];
  requests: (BuildRequest | null)[];
}

export function createTemplateMatrixJob(deps: MatrixDeps): JobDefinition<MatrixData> {
  const leases: LeaseBook = new Map();
  return defineJob(TEMPLATE_MATRIX_JOB, {
    parse: payloadParser(matrixDataSchema, "template matrix"),
    title: (data) => data.title,
    steps: [
      {
        name: "plan",
        label: "plan the builds",
        async run(ctx) {
          if (ctx.state.plan) return;
          const planned: Planned = ctx.data.builds
            ? {
                rows: ctx.data.builds.map((b) => ({
                  distro: b.distro,
                  node: b.node,
                  status: "queued",
                  detail: "",
                })),
                requests: ctx.data.builds,
              }
            : await planRefreshRows(deps, ctx.data.refresh!);
          ctx.state.plan = planned as unknown as JsonObject;
        },
      },
      {
        name: "build",
        label: "build",
        async run(ctx) {
          const plan = ctx.state.plan as unknown as Planned;
          const rows = initialRows(plan.rows, ctx.state);
          const notifier = deps.notifiers[ctx.data.conversation.platform];
          if (!notifier)
            throw new UserError("E_CONFIG", `no chat connected for ${ctx.data.conversation.platform}`);
          const summary = new ThrottledMessage({
            notifier,
            conversation: ctx.data.conversation,
            intervalMs: deps.editIntervalMs ?? 1000,
            clock: deps.clock,
            log: ctx.log,
          });
          const show = (done: boolean) => {
            const finished = rows.filter((r) => r.status !== "queued" && r.status !== "running").length;
            ctx.progress(
              rows.length === 0 ? 1 : finished / rows.length,
              `${finished}/${rows.length} finished`,
            );
            summary.set(renderMatrix(ctx.data.title, rows, done, prunable));
          };
          let prunable: string[] = [];
          show(false);
          await runMatrix(
            deps,
            leases,
            ctx,
            plan.requests.map((r) => r ?? undefined),
            rows,
            () => show(false),
          );
          ctx.state.outcome = rows.map((r) => ({
            distro: r.distro,
            node: r.node,
            status: r.status,
            detail: r.detail,
          }));
          if (ctx.data.refresh) {
            // Deleting needs approval, so a refresh keeps `keep` superseded versions by asking for a prune
            // of the rest; the card goes to the same channel and waits for a second person.
            const all = await listTemplates(deps.proxmox);
            prunable = pruneCandidates(all, deps.config.keep).map((t) => `${t.vmid} ${t.name}`);
            ctx.state.prunable = prunable;
            if (prunable.length > 0 && deps.approvals && ctx.state.pruneApproval === undefined) {
              const asked = await deps.approvals.request({
                command: "template.prune",
                args: { keep: deps.config.keep },
                requester: ctx.requestedBy,
                conversation: ctx.data.conversation,
                requestId: `${ctx.jobId}.prune`,
              });
              ctx.state.pruneApproval = asked.approvalId;
              await ctx.save();
            }
          }
          show(true);
          await summary.flush(renderMatrix(ctx.data.title, rows, true, prunable));
        },
      },
    ],
    async cleanup(ctx) {
      const plan = ctx.state.plan as unknown as Planned | undefined;
      const states = (ctx.state.rows ?? []) as JsonObject[];
      const removed: string[] = [];
      for (const [i, request] of (plan?.requests ?? []).entries()) {
        if (!request || !states[i]) continue;
        const sub = { ...ctx, jobId: `${ctx.jobId}.${i}`, data: request, state: states[i]! };
        removed.push(...(await cleanupBuild(deps, leases, sub)));
      }
      return removed;
    },
    summary(ctx) {
      const rows = (ctx.state.outcome ?? []) as unknown as MatrixRow[];
      const count = (s: string) => rows.filter((r) => r.status === s).length;
      return [
        { label: "Built", value: String(count("built")) },
        { label: "Up to date", value: String(count("up to date")) },
        { label: "Failed", value: String(count("failed")) },
        ...(Array.isArray(ctx.state.prunable) && ctx.state.prunable.length > 0
          ? [
              {
                label: "Superseded beyond keep",
                value:
                  typeof ctx.state.pruneApproval === "string"
                    ? `${ctx.state.prunable.length}; pruning them awaits approval (request ${ctx.state.pruneApproval})`
                    : `${ctx.state.prunable.length}; \`template prune\` removes them`,
              },
            ]
          : []),
      ];
    },
  });
}

async function planRefreshRows(
  deps: TemplateServices,
  refresh: NonNullable<MatrixData["refresh"]>,
): Promise<Planned> {
  const planned = await planRefresh(deps, refresh);
  return { rows: planned.map((p) => p.row), requests: planned.map((p) => p.request ?? null) };
}
