import { z } from "zod";
import { nodesReport } from "../services/inventory/nodes.js";
import { defineCommand } from "./definition.js";
import { proxmoxOf } from "./service-guards.js";
import { readReply } from "./visibility.js";

export const nodes = defineCommand({
  name: "nodes",
  summary: "Cluster nodes: status, uptime, CPU, memory, version",
  args: z.object({}),
  permission: "viewer",
  destructive: false,
  run: async (ctx) => readReply(await nodesReport(proxmoxOf(ctx.services))),
});
