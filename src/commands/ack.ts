import { z } from "zod";
import { alertCaller, alertIdArg, alertResultReply } from "./alert-common.js";
import { defineCommand } from "./definition.js";
import { alertsOf } from "./service-guards.js";

/** The route's role decides who may act (see services/alerts/actions.ts); any bound user may ask. */
export const ack = defineCommand({
  name: "ack",
  summary: "Acknowledge an alert group: you are on it, escalation stops",
  args: z.object({ id: alertIdArg }),
  suggest: { id: "alert" },
  positionals: [{ name: "id" }],
  permission: "viewer",
  destructive: false,
  async run(ctx, args) {
    return alertResultReply(await alertsOf(ctx.services).ack(args.id, alertCaller(ctx)));
  },
});
