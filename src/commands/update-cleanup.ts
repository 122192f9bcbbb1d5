import { z } from "zod";
import { UserError } from "../services/errors.js";
import { formatDuration } from "../services/format.js";
import {
  type BotSnapshot,
  deleteSnapshots,
  expiredSnapshots,
  snapshotTable,
} from "../services/updates/snapshot-ops.js";
import { type CommandContext, defineCommand, type ResolvedTarget } from "./definition.js";
import { updatesOf } from "./service-guards.js";
import { actionReply } from "./visibility.js";

const cleanupArgs = z.object({});

async function resolveCleanup(ctx: CommandContext): Promise<ResolvedTarget<BotSnapshot[]>> {
  const u = updatesOf(ctx.services);
  const expired = await expiredSnapshots(u);
  if (expired.length === 0) {
    throw new UserError(
      "E_NOT_FOUND",
      `no snapshot taken by updates is older than the retention (${formatDuration(u.config.retention)})`,
    );
  }
  return {
    identity: expired.map((s) => `${s.vm.vmid}:${s.name}`).join(","),
    fields: [
      {
        label: "Snapshots",
        value: `${expired.length} taken by updates, past ${formatDuration(u.config.retention)}`,
      },
    ],
    table: snapshotTable(expired, u.clock.now()),
    value: expired,
  };
}

export const updateCleanup = defineCommand<typeof cleanupArgs, BotSnapshot[]>({
  name: "update.cleanup",
  summary: "Delete update snapshots past retention",
  args: cleanupArgs,
  permission: "operator",
  destructive: true,
  resolve: (ctx) => resolveCleanup(ctx),
  async run(ctx, _args, resolved) {
    const snapshots = (resolved ?? (await resolveCleanup(ctx))).value;
    const results = await deleteSnapshots(updatesOf(ctx.services), snapshots);
    const failed = results.filter((r) => r.error);
    return actionReply({
      text: `Deleted ${results.length - failed.length} of ${results.length} expired update snapshots.`,
      tone: failed.length > 0 ? "warning" : "success",
      ...(failed.length > 0
        ? {
            table: {
              columns: ["VM", "Snapshot", "Error"],
              rows: failed.map((r) => [
                `${r.snapshot.vm.vmid} ${r.snapshot.vm.name}`,
                r.snapshot.name,
                r.error!,
              ]),
            },
          }
        : {}),
    });
  },
});
