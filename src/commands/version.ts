import { z } from "zod";
import { defineCommand } from "./definition.js";

export const version = defineCommand({
  name: "version",
  summary: "Show the bot's version",
  args: z.object({}),
  permission: "viewer",
  destructive: false,
  async run(ctx) {
    return {
      text: `proxmox-chatops ${ctx.services.version} (Node ${process.versions.node})`,
      visibility: "ephemeral",
    };
  },
});
