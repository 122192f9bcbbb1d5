import { z } from "zod";
import { windowsTable } from "../services/updates/windows.js";
import { defineCommand } from "./definition.js";
import { updatesOf } from "./service-guards.js";
import { readReply } from "./visibility.js";

export const updateWindows = defineCommand({
  name: "update.windows",
  summary: "Maintenance windows and their next run",
  args: z.object({}),
  permission: "viewer",
  destructive: false,
  async run(ctx) {
    const u = updatesOf(ctx.services);
    const windows = u.config.windows;
    if (windows.length === 0) {
      return readReply({
        text: "No maintenance windows are configured; an admin adds them under updates.windows.",
        tone: "info",
      });
    }
    return readReply({
      title: "Maintenance windows",
      text: `${windows.length} window${windows.length === 1 ? "" : "s"}; each runs the same rollout as \`update apply\`.`,
      tone: "info",
      table: windowsTable(windows, u.clock.now()),
    });
  },
});
