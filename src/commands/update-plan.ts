import { z } from "zod";
import { planTable, planVms } from "../services/updates/plan.js";
import { expandTargets, parseTargets } from "../services/updates/targets.js";
import { defineCommand } from "./definition.js";
import { updatesOf } from "./service-guards.js";
import { targetWords } from "./update-common.js";
import { readReply } from "./visibility.js";

export const updatePlan = defineCommand({
  name: "update.plan",
  summary: "Pending guest updates for VMs, tag:, pool: or node:",
  args: z.object({ target: targetWords }),
  positionals: [{ name: "target", variadic: true }],
  suggest: { target: "vm" },
  permission: "operator",
  destructive: false,
  async run(ctx, args) {
    const u = updatesOf(ctx.services);
    const selectors = parseTargets(args.target);
    const expansion = await expandTargets(u.proxmox, selectors, { need: "plan" });
    const plans = await planVms(u, expansion.vms);
    const pending = plans.reduce((n, p) => n + p.pending.length, 0);
    const security = plans.reduce((n, p) => n + p.pending.filter((x) => x.security).length, 0);
    return readReply({
      title: `Update plan: ${args.target.join(" ")}`,
      text: `${plans.length} VM${plans.length === 1 ? "" : "s"} planned, ${expansion.skipped.length} skipped: ${pending} pending update${pending === 1 ? "" : "s"}, ${security} security.`,
      tone: expansion.vms.length === 0 ? "warning" : "info",
      table: planTable(plans, expansion.skipped),
    });
  },
});
