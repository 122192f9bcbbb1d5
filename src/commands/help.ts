import { z } from "zod";
import { errorReply, type Reply } from "../services/vocabulary/reply.js";
import { argumentHelp, spokenName, usageLine } from "./args/usage.js";
import { defineCommand } from "./definition.js";

/** Help lists only what the asking user may run, so nobody is shown commands that would refuse them. */
export const help = defineCommand({
  name: "help",
  summary: "List the commands you may run, or show one command's usage",
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
      return {
        title: spokenName(def),
        text: def.summary,
        code: usageLine(def),
        fields: [
          { label: "Role needed", value: def.permission },
          { label: "Needs approval", value: def.destructive ? "yes, by a second person" : "no" },
          ...(argumentHelp(def).length ? [{ label: "Arguments", value: argumentHelp(def).join("\n") }] : []),
        ],
        visibility: "ephemeral",
      };
    }
    return {
      title: "Commands you may run",
      table: {
        columns: ["command", "what it does", "approval"],
        rows: mayRun.map((def) => [usageLine(def), def.summary, def.destructive ? "yes" : ""]),
        footer: ctx.role
          ? undefined
          : "You have no role yet: ask an admin to bind your user in the bot's rbac config.",
      },
      text: "Type `help <command>` for details.",
      visibility: "ephemeral",
    };
  },
});
