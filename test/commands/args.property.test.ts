import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { parseArgs } from "../../src/commands/args/parse.js";
import { tokenize } from "../../src/commands/args/tokenize.js";
import { defineCommand } from "../../src/commands/definition.js";
import { CommandRegistry } from "../../src/commands/registry.js";

const sample = defineCommand({
  name: "vm.snapshot",
  summary: "s",
  args: z.object({
    vmid: z.number().int().min(100).max(999_999_999),
    name: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{1,39}$/),
    note: z.string().max(200).optional(),
    keep: z.array(z.number().int()).optional(),
    force: z.boolean().default(false),
    mode: z.enum(["a", "b"]).optional(),
  }),
  positionals: [{ name: "vmid" }, { name: "name" }],
  permission: "operator",
  destructive: true,
  async run() {
    return {};
  },
});
const registry = new CommandRegistry([sample]);

/** Text built from the pieces that matter to the parser: flags, quotes, escapes, unicode, junk. */
const piece = fc.oneof(
  fc.constantFrom(
    "--vmid",
    "--name",
    "--note",
    "--keep",
    "--force",
    "--mode",
    "--",
    "--=",
    "---x",
    "--force=maybe",
  ),
  fc.constantFrom(
    '"',
    "'",
    "\\",
    "“",
    "”",
    "=",
    " ",
    "\t",
    "\n",
    "vm",
    "snapshot",
    "100",
    "1e400",
    "NaN",
    "-1",
  ),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: "grapheme", maxLength: 8 }),
);
const commandText = fc
  .array(piece, { maxLength: 25 })
  .map((parts) => parts.join(" "))
  .chain((rest) => fc.constantFrom(`vm snapshot ${rest}`, rest));

describe("parser under random input", () => {
  it("never throws and always answers ok or a message", () => {
    fc.assert(
      fc.property(commandText, (text) => {
        const tokens = tokenize(text);
        if (!tokens.ok) {
          expect(tokens.message.length).toBeGreaterThan(0);
          return;
        }
        const resolved = registry.resolve(tokens.tokens);
        if (!resolved.ok) {
          expect(resolved.message.length).toBeGreaterThan(0);
          return;
        }
        const parsed = parseArgs(resolved.command, resolved.rest);
        if (parsed.ok) {
          expect(sample.args.safeParse(parsed.args).success).toBe(true);
        } else {
          expect(parsed.message.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it("round-trips quoted values: what was quoted comes back as one token", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 20 }), { maxLength: 6 }), (values) => {
        const quoted = values.map((v) => `"${v.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`).join(" ");
        const normalized = values.map((v) => v.replaceAll("“", '"').replaceAll("”", '"'));
        const result = tokenize(quoted);
        if (normalized.some((v, i) => v !== values[i])) return; // typographic quotes are read as quotes
        expect(result).toEqual({ ok: true, tokens: values });
      }),
      { numRuns: 1000 },
    );
  });
});
