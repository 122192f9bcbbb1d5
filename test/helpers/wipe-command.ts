import { z } from "zod";
import { defineCommand } from "../../src/commands/definition.js";

/**
 * A destructive command that only tests define (`vm wipe <vmid>`); it records its runs so a test can
 * assert "exactly once" and who it ran as.
 */
export function wipeCommand() {
  const runs: Array<{ vmid: number; by: string }> = [];
  const wipe = defineCommand({
    name: "vm.wipe",
    summary: "Wipe a VM (test)",
    args: z.object({ vmid: z.number().int().min(100) }),
    positionals: [{ name: "vmid" }],
    permission: "operator",
    destructive: true,
    async run(ctx, args) {
      runs.push({ vmid: args.vmid, by: ctx.actor.id });
      return { tone: "success", text: `wiped ${args.vmid}` };
    },
  });
  return { wipe, runs };
}
