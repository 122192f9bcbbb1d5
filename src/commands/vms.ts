import { z } from "zod";
import { vmsReport } from "../services/inventory/vms.js";
import { nodeArg, poolArg, tagArg } from "../services/pve/id-schemas.js";
import { defineCommand } from "./definition.js";
import { proxmoxOf } from "./service-guards.js";

export const vms = defineCommand({
  name: "vms",
  summary: "List VMs (or templates) with status, CPU, memory and tags",
  args: z.object({
    node: nodeArg.optional(),
    tag: tagArg.optional(),
    pool: poolArg.optional(),
    status: z.enum(["running", "stopped"]).optional().describe("Only running or only stopped guests"),
    templates: z.boolean().optional().describe("List templates instead of VMs"),
  }),
  permission: "viewer",
  destructive: false,
  run: (ctx, args) => vmsReport(proxmoxOf(ctx.services), args),
});
