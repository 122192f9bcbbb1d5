import { z } from "zod";
import { personMention } from "../services/person-mention.js";
import { defineCommand } from "./definition.js";
import { readReply } from "./visibility.js";

export const whoami = defineCommand({
  name: "whoami",
  summary: "Who the bot thinks you are, and your role",
  args: z.object({}),
  permission: "viewer",
  destructive: false,
  async run(ctx) {
    return readReply({
      title: "Who you are",
      fields: [
        { label: "Platform", value: ctx.actor.platform },
        { label: "User id", value: ctx.actor.id },
        { label: "Name", value: personMention(ctx.actor) },
        // Linked accounts (config `people:`) count as one person for approvals; say which one this is.
        ...(ctx.actor.person ? [{ label: "Person", value: ctx.actor.person }] : []),
        { label: "Groups", value: ctx.actor.groups.length ? ctx.actor.groups.join(", ") : "none" },
        { label: "Role", value: ctx.role ?? "none (you may run help and whoami)" },
      ],
    });
  },
});
