import { z } from "zod";
import { storageReport } from "../services/inventory/storage.js";
import { nodeArg } from "../services/pve/id-schemas.js";
import { pageReply, pagingArgs } from "./args/paging.js";
import { defineCommand } from "./definition.js";
import { proxmoxOf } from "./service-guards.js";
import { readReply } from "./visibility.js";

export const storage = defineCommand({
  name: "storage",
  summary: "Storage per node: usage and content types",
  args: z.object({ node: nodeArg.optional(), ...pagingArgs }),
  suggest: { node: "node" },
  permission: "viewer",
  destructive: false,
  run: async (ctx, args) =>
    readReply(pageReply(await storageReport(proxmoxOf(ctx.services), args.node), { name: "storage" }, args)),
});
