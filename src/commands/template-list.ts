import { z } from "zod";
import { nodeArg } from "../services/pve/id-schemas.js";
import { distroKey } from "../services/templates/catalog/schema.js";
import { templateListReply } from "../services/templates/lifecycle/list.js";
import { pageReply, pagingArgs } from "./args/paging.js";
import { defineCommand } from "./definition.js";
import { templatesOf } from "./service-guards.js";
import { readReply } from "./visibility.js";

export const templateList = defineCommand({
  name: "template.list",
  summary: "The bot's templates: distro, checksum, age, builder",
  args: z.object({
    node: nodeArg.optional(),
    distro: distroKey.optional().describe("Only this distro"),
    ...pagingArgs,
  }),
  suggest: { node: "node", distro: "distro" },
  permission: "viewer",
  destructive: false,
  run: async (ctx, args) => {
    const filter = { node: args.node, distro: args.distro };
    const reply = await templateListReply(templatesOf(ctx.services).proxmox, ctx.clock, filter);
    return readReply(pageReply(reply, { name: "template.list" }, args));
  },
});
