import { z } from "zod";
import { storageReport } from "../services/inventory/storage.js";
import { nodeArg } from "../services/pve/id-schemas.js";
import { defineCommand } from "./definition.js";
import { proxmoxOf } from "./service-guards.js";

export const storage = defineCommand({
  name: "storage",
  summary: "Storage per node: usage and content types",
  args: z.object({ node: nodeArg.optional() }),
  permission: "viewer",
  destructive: false,
  run: (ctx, args) => storageReport(proxmoxOf(ctx.services), args.node),
});
