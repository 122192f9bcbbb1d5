import { z } from "zod";
import { formatUtc } from "../services/format.js";
import { pageReply, pagingArgs } from "./args/paging.js";
import { defineCommand } from "./definition.js";
import { alertsOf } from "./service-guards.js";
import { readReply } from "./visibility.js";

export const silences = defineCommand({
  name: "silences",
  summary: "Active and pending silences of every alert source",
  args: z.object({ ...pagingArgs }),
  permission: "viewer",
  destructive: false,
  async run(ctx, args) {
    const list = await alertsOf(ctx.services).silences();
    if (list.length === 0) return readReply({ text: "No active silences." });
    const rows = list.map(({ source, silence }) => [
      silence.id,
      source,
      silence.state,
      silence.matchers.map((m) => `${m.name}=${m.value}`).join(", "),
      formatUtc(silence.endsAt),
      silence.createdBy,
      silence.comment,
    ]);
    const reply = {
      title: `Silences (${rows.length})`,
      table: { columns: ["id", "source", "state", "matchers", "until", "by", "comment"], rows },
    };
    return readReply(pageReply(reply, { name: "silences" }, args));
  },
});
