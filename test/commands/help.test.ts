import { describe, expect, it } from "vitest";
import type { CommandContext, CommandServices } from "../../src/commands/definition.js";
import { help } from "../../src/commands/help.js";
import { HELP_TOPICS } from "../../src/commands/help-topics.js";
import { ALL_COMMANDS } from "../../src/commands/index.js";
import { CommandRegistry } from "../../src/commands/registry.js";
import { silentLog } from "../../src/services/log.js";
import { Rbac } from "../../src/services/rbac.js";
import type { Role } from "../../src/services/vocabulary/identity.js";
import type { Reply } from "../../src/services/vocabulary/reply.js";

const rbac = new Rbac({
  bindings: [
    { role: "admin", subjects: ["console:user:dana"] },
    { role: "viewer", subjects: ["console:user:carol"] },
  ],
  channels: {},
});

function ask(user: string, role: Role | undefined, command?: string[]): Promise<Reply> {
  const ctx: CommandContext = {
    actor: { platform: "console", id: user, name: user, groups: [] },
    role,
    conversation: { platform: "console", channelId: "ops" },
    requestId: "req-1",
    clock: { now: () => 0 },
    log: silentLog,
    services: { commands: new CommandRegistry(ALL_COMMANDS), rbac } as unknown as CommandServices,
  };
  return help.run(ctx, { command });
}

/** [topic, command names] in the order the listing shows them. */
function sections(code: string | undefined): [string, string[]][] {
  return (code ?? "").split("\n\n").map((block) => {
    const [title, ...lines] = block.split("\n");
    return [title!, lines.map((l) => l.trim().split(/\s{2,}/)[0]!)];
  });
}

describe("help", () => {
  it("puts every registered command in exactly one topic, and names no command that does not exist", () => {
    const named = HELP_TOPICS.flatMap((t) => t.commands);
    expect([...named].sort()).toEqual(ALL_COMMANDS.map((d) => d.name).sort());
    expect(new Set(named).size).toBe(named.length);
  });

  it("groups an admin's commands by topic, one line each, none wider than 80 columns", async () => {
    const reply = await ask("dana", "admin");
    expect(sections(reply.code).map(([title]) => title)).toEqual(HELP_TOPICS.map((t) => t.title));
    expect(sections(reply.code).flatMap(([, names]) => names)).toHaveLength(ALL_COMMANDS.length);
    const lines = (reply.code ?? "").split("\n");
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(80);
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}template delete +Delete .*\(approval\)$/));
    expect(reply.table).toBeUndefined();
    expect(reply.text).toBe("Type `help <command>` for its usage.");
  });

  it("shows a viewer only what a viewer may run, and an unbound user help and whoami with how to get a role", async () => {
    const carol = sections((await ask("carol", "viewer")).code).flatMap(([, names]) => names);
    expect(carol).toContain("vms");
    expect(carol).not.toContain("template build");
    expect(carol).not.toContain("audit");
    const stranger = await ask("mallory", undefined);
    expect(sections(stranger.code)).toEqual([["You and the bot", ["help", "whoami"]]]);
    expect(stranger.text).toMatch(/You have no role yet: ask an admin/);
  });

  it("gives one command's usage, arguments, role and approval", async () => {
    const reply = await ask("dana", "admin", ["vms"]);
    expect(reply.code).toBe(
      "vms [--node NODE] [--tag TAG] [--pool POOL] [--status running|stopped] [--templates] [--page N] [--limit N]",
    );
    expect(reply.fields).toEqual(
      expect.arrayContaining([
        { label: "Role needed", value: "viewer" },
        { label: "Needs approval", value: "no" },
      ]),
    );
    expect(reply.fields?.find((f) => f.label === "Arguments")?.value).toMatch(/--limit: Rows per page/);
    expect((await ask("carol", "viewer", ["template", "delete"])).errorCode).toBe("E_UNKNOWN_COMMAND");
  });
});
