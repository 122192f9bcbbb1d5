import { z } from "zod";
import { defineCommand } from "./definition.js";
import { readReply } from "./visibility.js";

export const version = defineCommand({
  name: "version",
  summary: "Show the bot's version",
  args: z.object({}),
  permission: "viewer",
  destructive: false,
  async run(ctx) {
    return readReply({ text: `proxmox-chatops ${ctx.services.version} (Node ${process.versions.node})` });
  },
});
