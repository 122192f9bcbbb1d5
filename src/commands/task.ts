import { z } from "zod";
import { taskReport } from "../services/inventory/task.js";
import { upidArg } from "../services/pve/id-schemas.js";
import { defineCommand } from "./definition.js";
import { proxmoxOf } from "./service-guards.js";
import { readReply } from "./visibility.js";

export const task = defineCommand({
  name: "task",
  summary: "A Proxmox task by UPID: status, result, last log lines",
  args: z.object({
    upid: upidArg,
  }),
  positionals: [{ name: "upid" }],
  permission: "viewer",
  destructive: false,
  run: async (ctx, args) => readReply(await taskReport(proxmoxOf(ctx.services), args.upid)),
});
