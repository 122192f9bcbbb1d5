import { z } from "zod";
import { alertCaller, alertResultReply } from "./alert-common.js";
import { defineCommand } from "./definition.js";
import { alertsOf } from "./service-guards.js";

export const unsilence = defineCommand({
  name: "unsilence",
  summary: "End a silence, by alert group id or silence id",
  args: z.object({
    id: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, "an alert group id or a silence id (letters, digits, - and _)")
      .describe("Alert group id, or a silence id as `silences` shows it"),
  }),
  suggest: { id: "alert" },
  positionals: [{ name: "id" }],
  permission: "viewer",
  destructive: false,
  async run(ctx, args) {
    return alertResultReply(await alertsOf(ctx.services).unsilence(args.id, alertCaller(ctx)));
  },
});
