import { z } from "zod";
import { deleteTemplate, resolveTemplateToDelete } from "../services/templates/lifecycle/remove.js";
import { defineCommand } from "./definition.js";
import { templatesOf } from "./service-guards.js";
import { actionReply } from "./visibility.js";

export const templateDelete = defineCommand({
  name: "template.delete",
  summary: "Delete a template unless linked clones use it",
  args: z.object({
    template: z
      .string()
      .regex(/^[a-zA-Z0-9][a-zA-Z0-9.-]{0,63}$/, "a VMID or a template name")
      .describe("VMID or name"),
  }),
  positionals: [{ name: "template" }],
  suggest: { template: "template" },
  permission: "operator",
  destructive: true,
  resolve: (ctx, args) => resolveTemplateToDelete(templatesOf(ctx.services).proxmox, args.template),
  async run(ctx, args, target) {
    const t = templatesOf(ctx.services);
    const found = target ?? (await resolveTemplateToDelete(t.proxmox, args.template));
    return actionReply(await deleteTemplate(t.proxmox, t.follower, found.value));
  },
});
