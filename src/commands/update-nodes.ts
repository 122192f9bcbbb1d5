import { z } from "zod";
import { nodeTable, nodeUpdates } from "../services/updates/nodes.js";
import { defineCommand } from "./definition.js";
import { updatesOf } from "./service-guards.js";
import { readReply } from "./visibility.js";

export const updateNodes = defineCommand({
  name: "update.nodes",
  summary: "Pending package updates on the Proxmox hosts",
  args: z.object({}),
  permission: "viewer",
  destructive: false,
  async run(ctx) {
    const nodes = await nodeUpdates(updatesOf(ctx.services).proxmox);
    const pending = nodes.reduce((n, x) => n + x.packages.length, 0);
    const unknown = nodes.filter((n) => n.problem).length;
    return readReply({
      title: "Host updates",
      text: `${pending} pending package update${pending === 1 ? "" : "s"} on ${nodes.length - unknown} node${nodes.length - unknown === 1 ? "" : "s"}${unknown ? `; ${unknown} could not be read` : ""}. The bot reports only; hosts are upgraded by an admin.`,
      tone: unknown > 0 ? "warning" : "info",
      table: nodeTable(nodes),
    });
  },
});
