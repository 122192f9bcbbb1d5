import { z } from "zod";
import { formatUtc } from "../services/format.js";
import { limitRows } from "../services/vocabulary/reply.js";
import { defineCommand } from "./definition.js";

export const JOB_STATES = ["waiting", "delayed", "active", "completed", "failed", "cancelled"] as const;

export const jobs = defineCommand({
  name: "jobs",
  summary: "List recent jobs",
  args: z.object({
    state: z.enum(JOB_STATES).optional().describe("Only jobs in this state"),
  }),
  permission: "viewer",
  destructive: false,
  async run(ctx, args) {
    const list = await ctx.services.jobs.list({ state: args.state, limit: 100 });
    if (list.length === 0)
      return { text: args.state ? `No ${args.state} jobs.` : "No jobs yet.", visibility: "ephemeral" };
    const { rows, footer } = limitRows(
      list.map((j) => [
        j.id,
        j.title,
        j.state,
        j.progress ? `${Math.round(j.progress.fraction * 100)}% ${j.progress.step}` : "",
        j.requestedBy.name,
        formatUtc(j.createdAt, "second"),
      ]),
      25,
      "narrow it with --state",
    );
    return {
      title: "Jobs",
      table: { columns: ["id", "job", "state", "progress", "by", "created"], rows, footer },
      visibility: "ephemeral",
    };
  },
});
