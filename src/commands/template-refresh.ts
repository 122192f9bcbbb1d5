import { z } from "zod";
import { UserError } from "../services/errors.js";
import { startJob } from "../services/jobs/start.js";
import { TEMPLATE_MATRIX_JOB } from "../services/templates/build/matrix-job.js";
import { actorLabel } from "../services/templates/build/metadata.js";
import { distroOrSuggest } from "../services/templates/build/plan.js";
import { distroKey } from "../services/templates/catalog/schema.js";
import { defineCommand } from "./definition.js";
import { templatesOf } from "./service-guards.js";
import { jobStartReply } from "./visibility.js";

export const templateRefresh = defineCommand({
  name: "template.refresh",
  summary: "Rebuild templates whose upstream image changed",
  args: z.object({
    distros: z.array(distroKey).optional().describe("Distro keys"),
    all: z.boolean().optional().describe("Every distro that has a template"),
  }),
  positionals: [{ name: "distros", variadic: true }],
  suggest: { distros: "distro" },
  permission: "operator",
  destructive: false,
  async run(ctx, args) {
    const t = templatesOf(ctx.services);
    const distros = args.distros ?? [];
    if (args.all && distros.length > 0) throw new UserError("E_ARGS", "give distro keys or --all, not both");
    if (!args.all && distros.length === 0) throw new UserError("E_ARGS", "name distros to refresh, or --all");
    for (const key of distros) distroOrSuggest(t.catalog, key);
    const info = await startJob(
      ctx.services.jobs,
      TEMPLATE_MATRIX_JOB,
      {
        title: args.all ? "Refresh all templates" : `Refresh ${distros.join(", ")}`,
        conversation: ctx.conversation,
        refresh: { distros, all: args.all ?? false, requestedBy: actorLabel(ctx.actor) },
      },
      { requestedBy: ctx.actor, conversation: ctx.conversation, requestId: ctx.requestId },
    );
    return jobStartReply({ text: `Refreshing as job ${info.id}.`, tone: "info", jobId: info.id });
  },
});
