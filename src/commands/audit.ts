import { z } from "zod";
import { formatUtc } from "../services/format.js";
import { defineCommand } from "./definition.js";

export const audit = defineCommand({
  name: "audit",
  summary: "Show recent audit records (newest first)",
  args: z.object({
    limit: z.number().int().min(1).max(200).default(20).describe("How many records"),
    user: z.string().min(1).max(100).optional().describe("Only this user (id or name)"),
    command: z.string().min(1).max(100).optional().describe("Only this command, e.g. template.delete"),
  }),
  permission: "approver",
  destructive: false,
  async run(ctx, args) {
    const command = args.command?.trim().replaceAll(" ", ".").toLowerCase();
    const records = await ctx.services.audit.query({ limit: args.limit, user: args.user, command });
    if (records.length === 0) return { text: "No audit records match.", visibility: "ephemeral" };
    return {
      title: `Audit (${records.length})`,
      table: {
        columns: ["time", "user", "command", "step", "outcome", "ref"],
        rows: records.map((r) => [
          formatUtc(r.at, "second"),
          r.actor?.name ?? "-",
          r.command ?? "-",
          r.step ?? r.kind,
          r.outcome,
          r.approvalId ?? r.jobId ?? r.requestId.slice(0, 8),
        ]),
      },
      visibility: "ephemeral",
    };
  },
});
