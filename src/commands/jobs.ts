import { z } from "zod";
import { formatUtc } from "../services/format.js";
import { personMention } from "../services/person-mention.js";
import { pageReply, pagingArgs } from "./args/paging.js";
import { defineCommand } from "./definition.js";
import { readReply } from "./visibility.js";

export const JOB_STATES = ["waiting", "delayed", "active", "completed", "failed", "cancelled"] as const;

/** The queue keeps recent jobs only; this many of the newest are read and paged. */
export const JOBS_FETCHED = 100;

export const jobs = defineCommand({
  name: "jobs",
  summary: "Recent jobs: state, progress, who started them",
  args: z.object({
    state: z.enum(JOB_STATES).optional().describe("Only jobs in this state"),
    ...pagingArgs,
  }),
  permission: "viewer",
  destructive: false,
  async run(ctx, args) {
    const list = await ctx.services.jobs.list({ state: args.state, limit: JOBS_FETCHED });
    if (list.length === 0) return readReply({ text: args.state ? `No ${args.state} jobs.` : "No jobs yet." });
    const rows = list.map((j) => [
      j.id,
      j.title,
      j.state,
      j.progress ? `${Math.round(j.progress.fraction * 100)}% ${j.progress.step}` : "",
      personMention(j.requestedBy),
      formatUtc(j.createdAt, "second"),
    ]);
    const reply = {
      title: `Jobs (${rows.length})`,
      table: {
        columns: ["id", "job", "state", "progress", "by", "created"],
        rows,
        ...(list.length >= JOBS_FETCHED
          ? { footer: `The ${JOBS_FETCHED} newest jobs; narrow it with --state.` }
          : {}),
      },
    };
    return readReply(pageReply(reply, { name: "jobs" }, args));
  },
});
