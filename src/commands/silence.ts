import { z } from "zod";
import { parseChatDuration } from "../services/duration.js";
import { errorReply } from "../services/vocabulary/reply.js";
import { alertCaller, alertIdArg, alertResultReply } from "./alert-common.js";
import { defineCommand } from "./definition.js";
import { alertsOf } from "./service-guards.js";

export const silence = defineCommand({
  name: "silence",
  summary: "Silence an alert group in Alertmanager (30m, 4h, 2d)",
  args: z.object({
    id: alertIdArg,
    duration: z.string().max(10, "a duration is short, like 30m, 4h or 2d").describe("How long: 30m, 4h, 2d"),
    comment: z
      .string()
      .max(500, "a comment is at most 500 characters")
      .optional()
      .describe("Why, shown in Alertmanager"),
  }),
  suggest: { id: "alert" },
  positionals: [{ name: "id" }, { name: "duration" }],
  permission: "viewer",
  destructive: false,
  async run(ctx, args) {
    const ms = parseChatDuration(args.duration);
    if (ms === undefined)
      return errorReply("E_ARGS", `<duration>: "${args.duration}" is not a duration; use 30m, 4h or 2d`);
    return alertResultReply(
      await alertsOf(ctx.services).silence(args.id, alertCaller(ctx), ms, args.comment),
    );
  },
});
