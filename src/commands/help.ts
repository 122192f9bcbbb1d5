import { z } from "zod";
import { errorReply, type Reply } from "../services/vocabulary/reply.js";
import { argumentHelp, spokenName, usageLine } from "./args/usage.js";
import type { CommandDefinition } from "./definition.js";
import { defineCommand } from "./definition.js";
import { HELP_TOPICS, OTHER_TOPIC } from "./help-topics.js";
import { readReply } from "./visibility.js";

/** Marks a command that waits for a second person's approval in the list. */
const APPROVAL_MARK = " (approval)";

/**
 * One line per command under its topic: the name padded to the longest shown, then the summary. The
 * list is a code block so the names line up on every platform; each line stays within about 80 columns
 * (a test holds every summary to that), so nothing wraps in a Slack code block or a terminal.
 */
export function helpListing(commands: readonly CommandDefinition[]): string {
  const width = Math.max(...commands.map((def) => spokenName(def).length));
  const line = (def: CommandDefinition) =>
    `  ${spokenName(def).padEnd(width)}  ${def.summary}${def.destructive ? APPROVAL_MARK : ""}`;
  const named = new Set(HELP_TOPICS.flatMap((t) => t.commands));
  const topics = [
    ...HELP_TOPICS.map((t) => ({
      title: t.title,
      defs: t.commands.flatMap((name) => commands.filter((def) => def.name === name)),
    })),
    { title: OTHER_TOPIC, defs: commands.filter((def) => !named.has(def.name)) },
  ].filter((t) => t.defs.length > 0);
  return topics.map((t) => [t.title, ...t.defs.map(line)].join("\n")).join("\n\n");
}

/** Help lists only what the asking user may run, so nobody is shown commands that would refuse them. */
export const help = defineCommand({
  name: "help",
  summary: "The commands you may run, or one command's usage",
  args: z.object({
    command: z.array(z.string().max(40)).max(4).optional().describe("A command, e.g. `template build`"),
  }),
  positionals: [{ name: "command", variadic: true }],
  permission: "viewer",
  destructive: false,
  async run(ctx, args): Promise<Reply> {
    const { commands, rbac } = ctx.services;
    const mayRun = commands
      .all()
      .filter((def) => rbac.check(ctx.actor, def.name, def.permission, ctx.conversation).ok);
    if (args.command && args.command.length > 0) {
      const name = args.command.join(".").toLowerCase();
      const def = commands.get(name);
      if (!def || !mayRun.includes(def)) {
        return errorReply(
          "E_UNKNOWN_COMMAND",
          `no command \`${args.command.join(" ")}\` that you may run; type \`help\` for the list`,
        );
      }
      return readReply({
        title: spokenName(def),
        text: def.summary,
        code: usageLine(def),
        fields: [
          { label: "Role needed", value: def.permission },
          { label: "Needs approval", value: def.destructive ? "yes, by a second person" : "no" },
          ...(argumentHelp(def).length ? [{ label: "Arguments", value: argumentHelp(def).join("\n") }] : []),
        ],
      });
    }
    const noRole = ctx.role
      ? ""
      : " You have no role yet: ask an admin to bind your user in the bot's rbac config.";
    return readReply({
      title: "Commands you may run",
      text: `Type \`help <command>\` for its usage.${noRole}`,
      code: helpListing(mayRun),
    });
  },
});
