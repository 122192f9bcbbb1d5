/**
 * Several builds in one job (`template build a b c`, `--all`, refresh): every build runs the same stages
 * as a `template.build` job, concurrently, while the Redis semaphores keep the per-node and per-storage
 * limits across all worker processes. One summary message holds a per-distro table that is edited as
 * builds progress (through a ThrottledMessage, like a job card). A failed build cleans up after itself and
 * the others carry on.
 */

import type { JobRunContext, JsonObject } from "../../jobs/definition.js";
import { describeFailure } from "../../jobs/failure.js";
import type { Reply } from "../../vocabulary/reply.js";
import { BUILD_STAGES } from "./job.js";
import type { BuildRequest } from "./request.js";
import { type BuildContext, cleanupBuild, type LeaseBook, type TemplateServices } from "./stages.js";

export type RowStatus = "queued" | "running" | "built" | "up to date" | "failed" | "skipped";

export interface MatrixRow {
  distro: string;
  node: string;
  status: RowStatus;
  /** Current step, the template name, or the failure. */
  detail: string;
}

export function renderMatrix(
  title: string,
  rows: readonly MatrixRow[],
  done: boolean,
  prunable: readonly string[] = [],
): Reply {
  const count = (s: RowStatus) => rows.filter((r) => r.status === s).length;
  const failed = count("failed");
  const finished = rows.length - count("queued") - count("running");
  return {
    title,
    tone: done ? (failed > 0 ? "warning" : "success") : "info",
    text: done
      ? `${count("built")} built, ${count("up to date")} up to date, ${failed} failed${count("skipped") ? `, ${count("skipped")} skipped` : ""}`
      : `${finished}/${rows.length} finished`,
    table: {
      columns: ["Distro", "Node", "Status", "Detail"],
      rows: rows.map((r) => [r.distro, r.node, r.status, r.detail]),
      ...(prunable.length > 0
        ? {
            footer: `Superseded beyond keep: ${prunable.join(", ")}; \`template prune\` removes them (with approval).`,
          }
        : {}),
    },
    // The final table states the result in its text; a full progress bar under it would say it twice.
    ...(done
      ? {}
      : { progress: { fraction: rows.length === 0 ? 1 : finished / rows.length, step: "building" } }),
    visibility: "channel",
  };
}

/**
 * Runs every request; `state.rows[i]` keeps each build's own state so a retried matrix job resumes each
 * build where it stopped and a cancel cleans up exactly what was created.
 */
export async function runMatrix(
  deps: TemplateServices,
  leases: LeaseBook,
  ctx: JobRunContext<unknown>,
  requests: readonly (BuildRequest | undefined)[],
  rows: MatrixRow[],
  onChange: () => void,
): Promise<void> {
  if (!Array.isArray(ctx.state.rows)) ctx.state.rows = [];
  const states = ctx.state.rows as JsonObject[];
  await Promise.all(
    requests.map(async (data, i) => {
      const row = rows[i]!;
      if (row.status !== "queued" || !data) return;
      states[i] ??= {};
      const sub: BuildContext = {
        jobId: `${ctx.jobId}.${i}`,
        data,
        requestedBy: ctx.requestedBy,
        attempt: ctx.attempt,
        state: states[i]!,
        save: () => ctx.save(),
        progress: (_f, label) => {
          if (label) row.detail = label;
          onChange();
        },
        signal: ctx.signal,
        log: ctx.log.child({ distro: data.distro, node: data.node }),
      };
      row.status = "running";
      try {
        for (const stage of BUILD_STAGES) {
          row.detail = stage.label;
          onChange();
          await stage.run(deps, leases, sub);
        }
        const upToDate = sub.state.upToDate as { name: string } | undefined;
        row.status = upToDate ? "up to date" : "built";
        row.detail = upToDate
          ? upToDate.name
          : `${String(sub.state.name)} (VMID ${String(sub.state.createdVmid)})`;
      } catch (err) {
        const failure = describeFailure(err, ctx.jobId);
        if (!failure.shown) ctx.log.error({ err, distro: data.distro }, "template build failed");
        const cleanup = await cleanupBuild(deps, leases, sub).then(
          (removed) => (removed.length > 0 ? ` (removed ${removed.join(", ")})` : ""),
          (cleanupErr: unknown) => {
            ctx.log.error({ err: cleanupErr, distro: data.distro }, "template build cleanup failed");
            return ` (cleanup failed: ${describeFailure(cleanupErr, ctx.jobId).message})`;
          },
        );
        row.status = "failed";
        row.detail = `${failure.message}${cleanup}`;
      }
      states[i]!.row = { status: row.status, detail: row.detail };
      await ctx.save();
      onChange();
    }),
  );
}

/** Rows as a resumed job finds them: finished builds keep their outcome, planned answers stay. */
export function initialRows(planned: readonly MatrixRow[], state: JsonObject): MatrixRow[] {
  const states = (state.rows ?? []) as JsonObject[];
  return planned.map((r, i) => {
    const saved = states[i]?.row as { status: RowStatus; detail: string } | undefined;
    return saved ? { ...r, ...saved } : { ...r };
  });
}
