import { z } from "zod";
import { nodeArg } from "../services/pve/id-schemas.js";
import { distroKey } from "../services/templates/catalog/schema.js";
import { templateListReply } from "../services/templates/lifecycle/list.js";
import { defineCommand } from "./definition.js";
import { templatesOf } from "./service-guards.js";

export const templateList = defineCommand({
  name: "template.list",
  summary: "Templates built by the bot: distro, checksum, age, who built them, superseded",
  args: z.object({
    node: nodeArg.optional(),
    distro: distroKey.optional().describe("Only this distro"),
  }),
  permission: "viewer",
  destructive: false,
  run: (ctx, args) => templateListReply(templatesOf(ctx.services).proxmox, ctx.clock, args),
});
