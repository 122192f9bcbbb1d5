import { z } from "zod";
import { vmsReport } from "../services/inventory/vms.js";
import { nodeArg, poolArg, tagArg } from "../services/pve/id-schemas.js";
import { pageReply, pagingArgs } from "./args/paging.js";
import { defineCommand } from "./definition.js";
import { proxmoxOf } from "./service-guards.js";
import { readReply } from "./visibility.js";

export const vms = defineCommand({
  name: "vms",
  summary: "VMs or templates: status, CPU, memory, tags",
  args: z.object({
    node: nodeArg.optional(),
    tag: tagArg.optional(),
    pool: poolArg.optional(),
    status: z.enum(["running", "stopped"]).optional().describe("Only running or only stopped guests"),
    templates: z.boolean().optional().describe("List templates instead of VMs"),
    ...pagingArgs,
  }),
  suggest: { node: "node" },
  permission: "viewer",
  destructive: false,
  run: async (ctx, args) => {
    const { page: _page, limit: _limit, ...filter } = args;
    return readReply(pageReply(await vmsReport(proxmoxOf(ctx.services), filter), { name: "vms" }, args));
  },
});
