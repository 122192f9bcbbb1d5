import { z } from "zod";
import { nodesReport } from "../services/inventory/nodes.js";
import { defineCommand } from "./definition.js";
import { proxmoxOf } from "./service-guards.js";

export const nodes = defineCommand({
  name: "nodes",
  summary: "Cluster nodes: status, uptime, CPU, memory, PVE version",
  args: z.object({}),
  permission: "viewer",
  destructive: false,
  run: (ctx) => nodesReport(proxmoxOf(ctx.services)),
});
