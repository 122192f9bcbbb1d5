import { z } from "zod";
import { commandLine } from "../services/approvals/format.js";
import { formatDuration } from "../services/format.js";
import { atLeast } from "../services/rbac.js";
import { limitRows } from "../services/vocabulary/reply.js";
import { defineCommand } from "./definition.js";

/**
 * Approvers see every pending request; everyone else sees their own. Each command is written as its
 * approval card writes it, secrets redacted by the audit sanitizer.
 */
export const approvals = defineCommand({
  name: "approvals",
  summary: "List pending approval requests you may see",
  args: z.object({}),
  permission: "viewer",
  destructive: false,
  async run(ctx) {
    const now = ctx.clock.now();
    const all = await ctx.services.approvals.listPending();
    const visible = all.filter(
      (r) =>
        r.expiresAt > now &&
        (atLeast(ctx.role, "approver") ||
          (r.requester.platform === ctx.actor.platform && r.requester.id === ctx.actor.id)),
    );
    if (visible.length === 0) return { text: "No pending approval requests.", visibility: "ephemeral" };
    const { rows, footer } = limitRows(
      visible.map((r) => [
        r.id,
        commandLine(r),
        r.requester.name,
        `${r.approvals.length}/${r.policy.required}`,
        formatDuration(r.expiresAt - now),
      ]),
      25,
      "approve or deny the oldest first",
    );
    return {
      title: "Pending approvals",
      table: { columns: ["id", "command", "requested by", "approvals", "expires in"], rows, footer },
      visibility: "ephemeral",
    };
  },
});
