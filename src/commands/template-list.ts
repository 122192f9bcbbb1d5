import { z } from "zod";
import { nodeArg } from "../services/inventory/args.js";
import { templateListReply } from "../services/templates/lifecycle/list.js";
import { defineCommand } from "./definition.js";
import { templatesOf } from "./service-guards.js";

export const templateList = defineCommand({
  name: "template.list",
  summary: "Templates built by the bot: distro, checksum, age, who built them, superseded",
  args: z.object({
    node: nodeArg.optional(),
    distro: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,40}$/, "a distro key like ubuntu-24.04")
      .optional()
      .describe("Only this distro"),
  }),
  permission: "viewer",
  destructive: false,
  run: (ctx, args) => templateListReply(templatesOf(ctx.services).proxmox, ctx.clock, args),
});
