import { describe, expect, it } from "vitest";
import { z } from "zod";
import { buildPveCommand, commandSize } from "../../src/adapters/discord/commands/build.js";
import { invocationOf } from "../../src/adapters/discord/commands/invocation.js";
import type { CommandOption, InteractionOption } from "../../src/adapters/discord/commands/types.js";
import { parseArgs } from "../../src/commands/args/parse.js";
import { describeArgs } from "../../src/commands/args/schema-shape.js";
import { tokenize } from "../../src/commands/args/tokenize.js";
import { type CommandDefinition, defineCommand } from "../../src/commands/definition.js";
import { ALL_COMMANDS } from "../../src/commands/index.js";
import { CommandRegistry } from "../../src/commands/registry.js";
import { DiscordOpenApi } from "../fakes/discord/openapi.js";

const pve = buildPveCommand(ALL_COMMANDS);
const api = new DiscordOpenApi();

function walk(options: readonly CommandOption[], visit: (o: CommandOption, level: CommandOption[]) => void) {
  for (const o of options) {
    visit(o, options as CommandOption[]);
    if (o.options) walk(o.options, visit);
  }
}
const sub = (path: string) => {
  const [a, b] = path.split(" ");
  const first = pve.options.find((o) => o.name === a)!;
  return b ? first.options!.find((o) => o.name === b)! : first;
};
const option = (path: string, name: string) => sub(path).options!.find((o) => o.name === name)!;

/** What the text command parser makes of the interaction: the way the dispatcher will read it. */
function parsed(options: InteractionOption[]) {
  const inv = invocationOf(options, ALL_COMMANDS)!;
  const tokens = tokenize(inv.text);
  if (!tokens.ok) throw new Error(tokens.message);
  const found = new CommandRegistry(ALL_COMMANDS).resolve(tokens.tokens);
  if (!found.ok) throw new Error(found.message);
  return { command: found.command.name, inv, result: parseArgs(found.command, found.rest) };
}
const subcommand = (name: string, options: InteractionOption[]): InteractionOption => ({
  type: 1,
  name,
  options,
});
const group = (name: string, inner: InteractionOption): InteractionOption => ({
  type: 2,
  name,
  options: [inner],
});

describe("/pve from the command registry", () => {
  it("is a registration body Discord accepts, globally and per guild", () => {
    expect(api.check("PUT", "/applications/123/commands", [pve])).toMatchObject({ ok: true });
    expect(api.check("PUT", "/applications/123/guilds/456/commands", [pve])).toMatchObject({ ok: true });
  });

  it("keeps every name, description and count within Discord's limits", () => {
    expect(pve.options.length).toBeLessThanOrEqual(25);
    walk(pve.options, (o, level) => {
      expect(o.name).toMatch(/^[-_\p{Ll}\p{N}]{1,32}$/u);
      expect(o.description.length).toBeGreaterThan(0);
      expect(o.description.length).toBeLessThanOrEqual(100);
      expect(level.length).toBeLessThanOrEqual(25);
      const required = level.map((x) => x.required === true);
      expect(required).toEqual([...required].sort((a, b) => Number(b) - Number(a)));
      expect(o.choices === undefined || o.autocomplete === undefined).toBe(true);
    });
    expect(commandSize(pve)).toBeLessThanOrEqual(8000);
  });

  it("maps dotted names to groups and subcommands, a bare group command to `show`", () => {
    expect(pve.options.find((o) => o.name === "nodes")?.type).toBe(1);
    expect(sub("template").type).toBe(2);
    expect(sub("template").options!.map((o) => o.name)).toContain("build");
    expect(sub("vm").options!.map((o) => o.name)).toEqual(
      expect.arrayContaining(["show", "create", "start"]),
    );
    expect(sub("job").options!.map((o) => o.name)).toEqual(["show", "cancel"]);
  });

  it("types each option from its zod schema: kind, range, length, choices, required, autocomplete", () => {
    expect(option("template build", "distros")).toMatchObject({ type: 3, autocomplete: true });
    expect(option("template build", "distros").description).toMatch(/separate with spaces\)$/);
    expect(option("template build", "vmid")).toMatchObject({ type: 4, min_value: 1 });
    expect(option("template build", "memory")).toMatchObject({
      type: 4,
      min_value: 256,
      max_value: 1_048_576,
    });
    expect(option("template build", "force")).toMatchObject({ type: 5 });
    expect(option("template build", "image-storage").type).toBe(3);
    expect(option("vm create", "name")).toMatchObject({ type: 3, required: true, max_length: 63 });
    expect(option("vm create", "from")).toMatchObject({ required: true, autocomplete: true });
    expect(option("vms", "status").choices).toEqual([
      { name: "running", value: "running" },
      { name: "stopped", value: "stopped" },
    ]);
    expect(option("update apply", "target")).toMatchObject({ required: true, autocomplete: true });
    expect(option("job cancel", "id")).toMatchObject({ required: true, autocomplete: true });
    expect(option("vms", "node").autocomplete).toBe(true);
    expect(option("vms", "tag").autocomplete).toBeUndefined();
  });

  it("names an argument in every suggest entry of every command", () => {
    for (const def of ALL_COMMANDS) {
      const keys = describeArgs(def.args).map((a) => a.key);
      for (const key of Object.keys(def.suggest ?? {})) expect(keys, def.name).toContain(key);
    }
  });

  it("refuses a registry Discord could not register, naming the command", () => {
    const cmd = (name: string, args: z.ZodObject = z.object({})): CommandDefinition =>
      defineCommand({
        name,
        summary: "s",
        args,
        permission: "viewer",
        destructive: false,
        run: async () => ({}),
      });
    expect(() => buildPveCommand([cmd("a.b.c")])).toThrow(/"a.b.c" is nested deeper/);
    expect(() => buildPveCommand([cmd("vm"), cmd("vm.show")])).toThrow(/"vm.show" takes the name reserved/);
    const many = z.object(
      Object.fromEntries(Array.from({ length: 26 }, (_, i) => [`o${i}`, z.string().optional()])),
    );
    expect(() => buildPveCommand([cmd("wide", many)])).toThrow(/"wide" has 26 arguments; Discord allows 25/);
    const groups = Array.from({ length: 26 }, (_, i) => cmd(`c${i}`));
    expect(() => buildPveCommand(groups)).toThrow(/26 subcommands and groups; Discord allows 25/);
  });
});

describe("a /pve interaction back into a command", () => {
  it("reads group, subcommand, flags, lists and positionals as the text parser does", () => {
    const { command, inv, result } = parsed([
      group(
        "template",
        subcommand("build", [
          { name: "distros", type: 3, value: "ubuntu-24.04 debian-12" },
          { name: "node", type: 3, value: "pve1" },
          { name: "image-storage", type: 3, value: "local" },
          { name: "force", type: 5, value: true },
          { name: "cores", type: 4, value: 4 },
        ]),
      ),
    ]);
    expect(command).toBe("template.build");
    expect(inv.text).toBe(
      "template build --node pve1 --image-storage local --force --cores 4 -- ubuntu-24.04 debian-12",
    );
    expect(result).toEqual({
      ok: true,
      args: {
        distros: ["ubuntu-24.04", "debian-12"],
        node: "pve1",
        imageStorage: "local",
        force: true,
        cores: 4,
      },
    });
  });

  it("maps `vm show` to the bare `vm` command and quotes values the tokenizer would split", () => {
    const { command, result } = parsed([
      group("vm", subcommand("show", [{ name: "vm", type: 3, value: "web-01" }])),
    ]);
    expect(command).toBe("vm");
    expect(result).toMatchObject({ ok: true, args: { vm: "web-01" } });
    const audit = parsed([subcommand("audit", [{ name: "user", type: 3, value: 'a "quoted" \\ name' }])]);
    expect(audit.result).toMatchObject({ ok: true, args: { user: 'a "quoted" \\ name' } });
  });

  it("passes a false boolean and a value that looks like a flag without changing their meaning", () => {
    const snap = parsed([
      group(
        "vm",
        subcommand("snapshot", [
          { name: "vm", type: 3, value: "--all" },
          { name: "name", type: 3, value: "pre" },
        ]),
      ),
    ]);
    expect(snap.inv.text).toBe('vm snapshot -- "--all" pre');
    // Read as the VM reference (which it is not), never as the flag it looks like.
    expect(snap.result).toMatchObject({ ok: false, message: expect.stringMatching(/^<vm>/) });
    const vms = parsed([subcommand("vms", [{ name: "templates", type: 5, value: false }])]);
    expect(vms.result).toEqual({ ok: true, args: { templates: false } });
  });

  it("names the option being typed in an autocomplete interaction, and refuses unknown commands", () => {
    const inv = invocationOf(
      [group("job", subcommand("cancel", [{ name: "id", type: 3, value: "12", focused: true }]))],
      ALL_COMMANDS,
    );
    expect(inv).toMatchObject({ command: "job.cancel", focused: { key: "id", value: "12" } });
    expect(invocationOf([subcommand("nope", [])], ALL_COMMANDS)).toBeUndefined();
    expect(invocationOf([group("template", subcommand("show", []))], ALL_COMMANDS)).toBeUndefined();
    expect(invocationOf([], ALL_COMMANDS)).toBeUndefined();
  });
});
