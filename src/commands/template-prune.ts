import { z } from "zod";
import { pruneTemplates } from "../services/templates/lifecycle/remove.js";
import { defineCommand } from "./definition.js";
import { templatesOf } from "./service-guards.js";
import { actionReply } from "./visibility.js";

export const templatePrune = defineCommand({
  name: "template.prune",
  summary: "Delete superseded templates beyond the newest N",
  args: z.object({
    keep: z
      .number()
      .int()
      .min(0)
      .max(50)
      .optional()
      .describe("Superseded versions to keep (default from config)"),
  }),
  permission: "operator",
  destructive: true,
  run: async (ctx, args) => {
    const t = templatesOf(ctx.services);
    return actionReply(await pruneTemplates(t.proxmox, t.follower, args.keep ?? t.config.keep));
  },
});
