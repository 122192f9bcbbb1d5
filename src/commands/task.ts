import { z } from "zod";
import { proxmoxOf } from "../services/inventory/access.js";
import { taskReport } from "../services/inventory/task.js";
import { defineCommand } from "./definition.js";

export const task = defineCommand({
  name: "task",
  summary: "A Proxmox task by UPID: status, result and last log lines",
  args: z.object({
    upid: z
      .string()
      .regex(/^UPID:/, "a task id starts with UPID:")
      .max(256)
      .describe("Task id (UPID), as shown by Proxmox or in a job's message"),
  }),
  positionals: [{ name: "upid" }],
  permission: "viewer",
  destructive: false,
  run: (ctx, args) => taskReport(proxmoxOf(ctx.services), args.upid),
});
