import { z } from "zod";
import { formatUtc } from "../services/format.js";
import { personMention } from "../services/person-mention.js";
import { pageReply, pagingArgs } from "./args/paging.js";
import { defineCommand } from "./definition.js";
import { readReply } from "./visibility.js";

/** The newest records read from the audit log per query (the store's own cap); `proxmox-chatops audit export` has all. */
export const AUDIT_FETCHED = 500;

export const audit = defineCommand({
  name: "audit",
  summary: "Recent audit records, newest first",
  args: z.object({
    user: z.string().min(1).max(100).optional().describe("Only this user (id or name)"),
    command: z.string().min(1).max(100).optional().describe("Only this command, e.g. template.delete"),
    ...pagingArgs,
  }),
  permission: "approver",
  destructive: false,
  async run(ctx, args) {
    const command = args.command?.trim().replaceAll(" ", ".").toLowerCase();
    const records = await ctx.services.audit.query({ limit: AUDIT_FETCHED, user: args.user, command });
    if (records.length === 0) return readReply({ text: "No audit records match." });
    const reply = {
      title: `Audit (${records.length})`,
      table: {
        columns: ["time", "user", "command", "step", "outcome", "ref"],
        rows: records.map((r) => [
          formatUtc(r.at, "second"),
          // The record keeps id and name; the reply names the person so the chat can mention them.
          r.actor ? personMention(r.actor) : "-",
          r.command ?? "-",
          r.step ?? r.kind,
          r.outcome,
          r.approvalId ?? r.jobId ?? r.requestId.slice(0, 8),
        ]),
        ...(records.length >= AUDIT_FETCHED
          ? {
              footer: `The ${AUDIT_FETCHED} newest records; narrow it with --user or --command, or run \`proxmox-chatops audit export\` on the bot's host.`,
            }
          : {}),
      },
    };
    return readReply(pageReply(reply, { name: "audit" }, args));
  },
});
