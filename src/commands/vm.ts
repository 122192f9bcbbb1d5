import { z } from "zod";
import { vmReport } from "../services/inventory/vm.js";
import { vmRefArg } from "../services/pve/id-schemas.js";
import { defineCommand } from "./definition.js";
import { proxmoxOf } from "./service-guards.js";
import { readReply } from "./visibility.js";

export const vm = defineCommand({
  name: "vm",
  summary: "One VM: status, config summary, snapshots and tags",
  args: z.object({
    vm: vmRefArg,
  }),
  positionals: [{ name: "vm" }],
  suggest: { vm: "vm" },
  permission: "viewer",
  destructive: false,
  run: async (ctx, args) => readReply(await vmReport(proxmoxOf(ctx.services), args.vm)),
});
