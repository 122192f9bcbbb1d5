import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_PAGE_LIMIT, MAX_PAGE, MAX_PAGE_LIMIT, pageReply } from "../../src/commands/args/paging.js";
import { parseArgs } from "../../src/commands/args/parse.js";
import { describeArgs } from "../../src/commands/args/schema-shape.js";
import { tokenize } from "../../src/commands/args/tokenize.js";
import type { CommandDefinition } from "../../src/commands/definition.js";
import { ALL_COMMANDS } from "../../src/commands/index.js";
import { vms } from "../../src/commands/vms.js";
import type { Reply } from "../../src/services/vocabulary/reply.js";
import { type SimClient, simCommandContext, startSimClient } from "../proxmox/helpers/sim.js";

const LIST_COMMANDS = ["vms", "storage", "template.list", "jobs", "audit", "approvals", "template.distros"];

function parse(def: CommandDefinition, text: string) {
  const tokens = tokenize(text);
  if (!tokens.ok) throw new Error(tokens.message);
  return parseArgs(def, tokens.tokens);
}

const table = (n: number): Reply => ({
  title: "Things",
  table: { columns: ["n"], rows: Array.from({ length: n }, (_, i) => [String(i + 1)]) },
});

describe("--page and --limit", () => {
  it("every list command takes both, from the one shared definition", () => {
    for (const name of LIST_COMMANDS) {
      const def = ALL_COMMANDS.find((d) => d.name === name);
      expect(def, name).toBeDefined();
      const shapes = describeArgs(def!.args);
      for (const key of ["page", "limit"]) {
        expect(
          shapes.find((s) => s.key === key),
          `${name} --${key}`,
        ).toMatchObject({
          kind: "number",
          required: false,
        });
      }
    }
  });

  it("accepts positive whole numbers up to a sane maximum and says why anything else is refused", () => {
    expect(parse(vms, `--page 2 --limit ${MAX_PAGE_LIMIT}`)).toEqual({
      ok: true,
      args: { page: 2, limit: MAX_PAGE_LIMIT },
    });
    const refusals: [string, RegExp][] = [
      ["--page 0", /^--page: a page is a whole number from 1 to 10000$/],
      ["--page -3", /^--page: a page is a whole number from 1 to 10000$/],
      ["--page 1.5", /^--page: a page is a whole number from 1 to 10000$/],
      [`--page ${MAX_PAGE + 1}`, /^--page: a page is a whole number from 1 to 10000$/],
      ["--limit 0", /^--limit: a limit is a whole number of rows from 1 to 100$/],
      [`--limit ${MAX_PAGE_LIMIT + 1}`, /^--limit: a limit is a whole number of rows from 1 to 100$/],
      ["--limit ten", /^--limit expects a number, got "ten"$/],
      ["--page 0x10", /^--page expects a number in plain decimal digits/],
    ];
    for (const [text, message] of refusals) {
      const parsed = parse(vms, text);
      expect(parsed.ok, text).toBe(false);
      expect(parsed.ok ? "" : parsed.message, text).toMatch(message);
    }
  });

  it("keeps every row and names the page and the command line without --page", () => {
    const paged = pageReply(
      table(45),
      { name: "template.list" },
      { distro: "debian-12", page: 2, limit: 10 },
    );
    expect(paged.table?.rows).toHaveLength(45);
    expect(paged.table?.page).toEqual({
      number: 2,
      limit: 10,
      command: "template list --distro debian-12 --limit 10",
    });
  });

  it("defaults to page 1 of the default size, and leaves the command line free of flags not typed", () => {
    const paged = pageReply(table(3), { name: "vms" }, { node: undefined });
    expect(paged.table?.page).toEqual({ number: 1, limit: DEFAULT_PAGE_LIMIT, command: "vms" });
  });

  it("refuses a page beyond the end, saying how many there are and which command shows the last", () => {
    const reply = pageReply(table(45), { name: "vms" }, { node: "pve1", page: 9, limit: 20 });
    expect(reply).toMatchObject({ errorCode: "E_ARGS", visibility: "ephemeral" });
    expect(reply.text).toBe(
      "page 9 of 3: there are 45 rows, 20 per page; `vms --limit 20 --node pve1 --page 3` shows the last page",
    );
    expect(reply.table).toBeUndefined();
    expect(pageReply(table(1), { name: "vms" }, { page: 2 }).text).toBe(
      "page 2 of 1: there is 1 row, 20 per page; `vms` shows the last page",
    );
  });

  it("an empty listing answers in words whatever page was asked for", () => {
    const empty: Reply = { text: "No VMs." };
    expect(pageReply(empty, { name: "vms" }, { page: 4 })).toBe(empty);
  });
});

describe("vms pages on the simulator", () => {
  let t: SimClient;
  beforeAll(async () => {
    t = await startSimClient({ access: "read-only" });
  });
  afterAll(async () => {
    t.expectSchemaValid();
    await t.close();
  });

  async function run(text: string): Promise<Reply> {
    const parsed = parse(vms, text);
    if (!parsed.ok) throw new Error(parsed.message);
    return vms.run(simCommandContext(t), parsed.args as never);
  }

  it("hands the renderer every guest with the page asked for", async () => {
    const all = await run("");
    const count = all.table?.rows.length ?? 0;
    expect(count).toBeGreaterThan(1);
    const second = await run("--limit 1 --page 2");
    expect(second.table?.rows).toEqual(all.table?.rows);
    expect(second.table?.page).toEqual({ number: 2, limit: 1, command: "vms --limit 1" });
    expect(second.visibility).toBe("ephemeral");
    const beyond = await run(`--limit 1 --page ${count + 1}`);
    expect(beyond.text).toMatch(new RegExp(`^page ${count + 1} of ${count}: `));
  });
});
