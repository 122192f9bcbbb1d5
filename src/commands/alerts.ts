import { z } from "zod";
import { type AlertGroup, groupState } from "../services/alerts/model.js";
import { alertGroupName } from "../services/alerts/render.js";
import { formatUtc } from "../services/format.js";
import { personMention } from "../services/person-mention.js";
import { errorReply } from "../services/vocabulary/reply.js";
import { pageReply, pagingArgs } from "./args/paging.js";
import { defineCommand } from "./definition.js";
import { alertsOf } from "./service-guards.js";
import { readReply } from "./visibility.js";

/** The newest groups read and paged; older ones are found by filtering. */
export const ALERTS_FETCHED = 200;

const LABEL = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/;

export const alerts = defineCommand({
  name: "alerts",
  summary: "Alert groups: state, what fires, since when, who is on it",
  args: z.object({
    state: z
      .enum(["firing", "acked", "silenced", "resolved"])
      .optional()
      .describe("Only groups in this state"),
    label: z
      .array(z.string().regex(LABEL, "a label filter is name=value, like severity=critical"))
      .optional()
      .describe("Only groups whose common labels include name=value (repeat for more)"),
    ...pagingArgs,
  }),
  permission: "viewer",
  destructive: false,
  async run(ctx, args) {
    const labels: Record<string, string> = {};
    for (const pair of args.label ?? []) {
      const [, name, value] = LABEL.exec(pair)!;
      if (name! in labels && labels[name!] !== value) {
        return errorReply("E_ARGS", `--label: ${name} is given twice with different values; a group has one`);
      }
      labels[name!] = value!;
    }
    const now = ctx.clock.now();
    const list = await alertsOf(ctx.services).store.list(
      { state: args.state, labels, limit: ALERTS_FETCHED },
      now,
    );
    if (list.length === 0)
      return readReply({ text: args.state ? `No ${args.state} alert groups.` : "No alert groups." });
    const rows = list.map((g) => [
      g.id,
      groupState(g, now),
      alertGroupName(g),
      g.commonLabels.severity ?? "",
      counts(g),
      formatUtc(g.firstFiringAt),
      whoIsOn(g, now),
    ]);
    const reply = {
      title: `Alert groups (${rows.length})`,
      table: {
        columns: ["id", "state", "alert", "severity", "firing/all", "since", "by"],
        rows,
        ...(list.length >= ALERTS_FETCHED
          ? { footer: `The ${ALERTS_FETCHED} newest groups; narrow it with --state or --label.` }
          : {}),
      },
    };
    return readReply(pageReply(reply, { name: "alerts" }, args));
  },
});

function counts(g: AlertGroup): string {
  const all = Object.values(g.alerts);
  return `${all.filter((a) => a.status === "firing").length}/${all.length}`;
}

function whoIsOn(g: AlertGroup, now: number): string {
  const state = groupState(g, now);
  if (state === "silenced") return personMention(g.silence!.by);
  if (state === "acked") return personMention(g.ack!.by);
  return "";
}
