import { describe, expect, it } from "vitest";
import { z } from "zod";
import { parseArgs } from "../../src/commands/args/parse.js";
import { tokenize } from "../../src/commands/args/tokenize.js";
import { usageLine } from "../../src/commands/args/usage.js";
import { defineCommand } from "../../src/commands/definition.js";

const build = defineCommand({
  name: "template.build",
  summary: "build",
  args: z.object({
    distros: z.array(z.string()).min(1).describe("Distro keys"),
    node: z.string().optional(),
    cores: z.number().int().min(1).max(64).optional(),
    name: z.string().optional(),
    force: z.boolean().default(false),
    tags: z.array(z.string()).optional(),
    status: z.enum(["running", "stopped"]).optional(),
    dryRun: z.boolean().default(false),
  }),
  positionals: [{ name: "distros", variadic: true }],
  permission: "operator",
  destructive: false,
  async run() {
    return { text: "ran" };
  },
});

function parse(text: string) {
  const t = tokenize(text);
  if (!t.ok) return t;
  return parseArgs(build, t.tokens);
}

describe("tokenize", () => {
  it("splits on whitespace and keeps quoted strings whole", () => {
    expect(tokenize(`ubuntu-24.04 --node pve1 --cores=4 --name "my template"`)).toEqual({
      ok: true,
      tokens: ["ubuntu-24.04", "--node", "pve1", "--cores=4", "--name", "my template"],
    });
  });
  it("handles single quotes, escapes and typographic quotes from chat clients", () => {
    expect(tokenize(`'a b' "c \\"d\\"" e\\ f “g h”`)).toEqual({
      ok: true,
      tokens: ["a b", 'c "d"', "e f", "g h"],
    });
    expect(tokenize(`--name=""`)).toEqual({ ok: true, tokens: ["--name="] });
    expect(tokenize(`x ""`)).toEqual({ ok: true, tokens: ["x", ""] });
  });
  it("refuses an unterminated quote, naming where it starts", () => {
    expect(tokenize(`a "b c`)).toEqual({ ok: false, message: "unterminated double quote at character 3" });
  });
});

describe("parseArgs", () => {
  it("maps flags and positionals onto the schema with types", () => {
    expect(
      parse(`ubuntu-24.04 debian-12 --node pve1 --cores=4 --name "my template" --force --tags a,b --tags c`),
    ).toEqual({
      ok: true,
      args: {
        distros: ["ubuntu-24.04", "debian-12"],
        node: "pve1",
        cores: 4,
        name: "my template",
        force: true,
        tags: ["a", "b", "c"],
        dryRun: false,
      },
    });
  });
  it("maps kebab-case flags to camelCase keys and reads boolean values", () => {
    expect(parse("x --dry-run=false --force=yes")).toMatchObject({
      ok: true,
      args: { dryRun: false, force: true },
    });
  });
  it("names an unknown flag and suggests the closest", () => {
    expect(parse("x --nod pve1")).toEqual({
      ok: false,
      message: "unknown flag --nod (did you mean --node?)",
    });
  });
  it("names a mistyped value", () => {
    expect(parse("x --cores four")).toEqual({ ok: false, message: `--cores expects a number, got "four"` });
    expect(parse("x --cores 100")).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^--cores: .*64/),
    });
    expect(parse("x --status paused")).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^--status: .*running/),
    });
  });
  it("names a missing required argument and a flag without value", () => {
    expect(parse("--node pve1")).toMatchObject({ ok: false, message: expect.stringMatching(/^<distros>/) });
    expect(parse("x --node")).toEqual({ ok: false, message: "--node needs a value" });
    expect(parse("x --node a --node b")).toEqual({ ok: false, message: "--node was given more than once" });
  });
  it("treats everything after -- as positional", () => {
    expect(parse("-- --weird")).toMatchObject({ ok: true, args: { distros: ["--weird"] } });
  });
  it("builds a usage line from the schema", () => {
    expect(usageLine(build)).toBe(
      "template build <distros…> [--node NODE] [--cores N] [--name NAME] [--force] [--tags TAGS] [--status running|stopped] [--dry-run]",
    );
  });
});
