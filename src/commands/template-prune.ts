import { z } from "zod";
import { pruneTemplates, resolvePruneCandidates } from "../services/templates/lifecycle/remove.js";
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
  resolve(ctx, args) {
    const t = templatesOf(ctx.services);
    return resolvePruneCandidates(t.proxmox, args.keep ?? t.config.keep);
  },
  async run(ctx, args, target) {
    const t = templatesOf(ctx.services);
    const keep = args.keep ?? t.config.keep;
    const found = target ?? (await resolvePruneCandidates(t.proxmox, keep));
    return actionReply(await pruneTemplates(t.proxmox, t.follower, keep, found.value));
  },
});
