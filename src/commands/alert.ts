import { z } from "zod";
import { alertGroupReply } from "../services/alerts/render.js";
import { formatUtc } from "../services/format.js";
import { errorReply } from "../services/vocabulary/reply.js";
import { alertIdArg } from "./alert-common.js";
import { defineCommand } from "./definition.js";
import { alertsOf } from "./service-guards.js";
import { readReply } from "./visibility.js";

/** History lines shown; the group keeps more. */
const HISTORY_SHOWN = 30;

export const alert = defineCommand({
  name: "alert",
  summary: "One alert group: its alerts, labels, links and history",
  args: z.object({ id: alertIdArg }),
  suggest: { id: "alert" },
  positionals: [{ name: "id" }],
  permission: "viewer",
  destructive: false,
  async run(ctx, args) {
    const alerts = alertsOf(ctx.services);
    const group = await alerts.store.get(args.id);
    if (!group) return errorReply("E_NOT_FOUND", `no alert group ${args.id}; \`alerts\` lists them`);
    const card = alertGroupReply(group, { labels: alerts.labels, now: ctx.clock.now() });
    const history = group.history.slice(-HISTORY_SHOWN).map((h) => [formatUtc(h.at), h.kind, h.text]);
    // The buttons live on the group's channel message; this private copy would go stale.
    return readReply({
      ...card,
      buttons: undefined,
      fields: [
        ...(card.fields ?? []),
        {
          label: "Labels",
          value:
            Object.entries(group.commonLabels)
              .map(([k, v]) => `${k}=${v}`)
              .join(", ") || "none in common",
        },
      ],
      table: { columns: ["at", "event", "what"], rows: history },
    });
  },
});
