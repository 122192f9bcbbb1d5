import { z } from "zod";
import { commandLine } from "../services/approvals/format.js";
import { formatDuration } from "../services/format.js";
import { personMention } from "../services/person-mention.js";
import { atLeast } from "../services/rbac.js";
import { pageReply, pagingArgs } from "./args/paging.js";
import { defineCommand } from "./definition.js";
import { readReply } from "./visibility.js";

/**
 * Approvers see every pending request; everyone else sees their own. Each command is written as its
 * approval card writes it, secrets redacted by the audit sanitizer.
 */
export const approvals = defineCommand({
  name: "approvals",
  summary: "Pending approval requests you may see",
  args: z.object({ ...pagingArgs }),
  permission: "viewer",
  destructive: false,
  async run(ctx, args) {
    const now = ctx.clock.now();
    const all = await ctx.services.approvals.listPending();
    const visible = all.filter(
      (r) =>
        r.expiresAt > now &&
        (atLeast(ctx.role, "approver") ||
          (r.requester.platform === ctx.actor.platform && r.requester.id === ctx.actor.id)),
    );
    if (visible.length === 0) return readReply({ text: "No pending approval requests." });
    const rows = visible.map((r) => [
      r.id,
      commandLine(r),
      personMention(r.requester),
      `${r.approvals.length}/${r.policy.required}`,
      formatDuration(r.expiresAt - now),
    ]);
    const reply = {
      title: `Pending approvals (${rows.length})`,
      table: { columns: ["id", "command", "requested by", "approvals", "expires in"], rows },
    };
    return readReply(pageReply(reply, { name: "approvals" }, args));
  },
});
