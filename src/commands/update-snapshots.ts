import { z } from "zod";
import { listBotSnapshots, snapshotTable } from "../services/updates/snapshot-ops.js";
import { defineCommand } from "./definition.js";
import { updatesOf } from "./service-guards.js";
import { targetWords } from "./update-common.js";
import { readReply } from "./visibility.js";

export const updateSnapshots = defineCommand({
  name: "update.snapshots",
  summary: "Snapshots updates took, and when they expire",
  args: z.object({ target: targetWords.optional() }),
  positionals: [{ name: "target", variadic: true }],
  suggest: { target: "vm" },
  permission: "viewer",
  destructive: false,
  async run(ctx, args) {
    const u = updatesOf(ctx.services);
    const snapshots = await listBotSnapshots(u, args.target);
    const expired = snapshots.filter((s) => s.expiresAt <= u.clock.now()).length;
    return readReply({
      title: "Update snapshots",
      text:
        snapshots.length === 0
          ? "No snapshot taken by updates."
          : `${snapshots.length} snapshot${snapshots.length === 1 ? "" : "s"} taken by updates, ${expired} past retention.`,
      tone: "info",
      ...(snapshots.length > 0 ? { table: snapshotTable(snapshots, u.clock.now()) } : {}),
    });
  },
});
