import { z } from "zod";
import { formatUtc } from "../services/format.js";
import { personMention } from "../services/person-mention.js";
import { errorReply } from "../services/vocabulary/reply.js";
import { defineCommand } from "./definition.js";
import { readReply } from "./visibility.js";

export const jobIdArg = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, "a job id is letters, digits, - and _")
  .describe("Job id, as shown by `jobs`");

export const job = defineCommand({
  name: "job",
  summary: "One job: state, progress, who started it",
  args: z.object({ id: jobIdArg }),
  positionals: [{ name: "id" }],
  suggest: { id: "job" },
  permission: "viewer",
  destructive: false,
  async run(ctx, args) {
    const info = await ctx.services.jobs.get(args.id);
    if (!info) return errorReply("E_NOT_FOUND", `no job ${args.id}; \`jobs\` lists recent ones`);
    return readReply({
      title: `Job ${info.id}: ${info.title}`,
      tone: info.state === "failed" ? "danger" : info.state === "completed" ? "success" : "info",
      fields: [
        { label: "State", value: info.state },
        ...(info.progress
          ? [
              {
                label: "Progress",
                value: `${Math.round(info.progress.fraction * 100)}% ${info.progress.step}`,
              },
            ]
          : []),
        { label: "Started by", value: personMention(info.requestedBy) },
        { label: "Created", value: formatUtc(info.createdAt, "second") },
        ...(info.finishedAt ? [{ label: "Finished", value: formatUtc(info.finishedAt, "second") }] : []),
        { label: "Attempts", value: String(info.attempts) },
        ...(info.error ? [{ label: "Error", value: info.error }] : []),
      ],
    });
  },
});
