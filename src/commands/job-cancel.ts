import { z } from "zod";
import { personMention } from "../services/person-mention.js";
import { atLeast } from "../services/rbac.js";
import { errorReply } from "../services/vocabulary/reply.js";
import { defineCommand } from "./definition.js";
import { jobIdArg } from "./job.js";
import { actionReply } from "./visibility.js";

/** Operators may cancel their own jobs; admins any job. */
export const jobCancel = defineCommand({
  name: "job.cancel",
  summary: "Cancel a job; it stops between steps and cleans up",
  args: z.object({ id: jobIdArg }),
  positionals: [{ name: "id" }],
  suggest: { id: "job" },
  permission: "operator",
  destructive: false,
  async run(ctx, args) {
    const info = await ctx.services.jobs.get(args.id);
    if (!info) return errorReply("E_NOT_FOUND", `no job ${args.id}; \`jobs\` lists recent ones`);
    const own = info.requestedBy.platform === ctx.actor.platform && info.requestedBy.id === ctx.actor.id;
    if (!own && !atLeast(ctx.role, "admin")) {
      return errorReply(
        "E_FORBIDDEN",
        `job ${args.id} was started by ${personMention(info.requestedBy)}; only they or an admin may cancel it`,
      );
    }
    const result = await ctx.services.jobs.cancel(args.id, ctx.actor);
    if (result === "not-found") return errorReply("E_NOT_FOUND", `no job ${args.id}`);
    if (result === "already-finished") {
      return errorReply("E_ARGS", `job ${args.id} has already finished (${info.state}); nothing to cancel`);
    }
    return actionReply({
      tone: "warning",
      text: `${personMention(ctx.actor)} is cancelling job ${args.id}: it stops after the current step and cleans up.`,
    });
  },
});
