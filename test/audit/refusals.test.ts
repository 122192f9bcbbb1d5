/**
 * A refused command leaves one short audit record: a user with no role cannot grow the audit stream by
 * more than one record of bounded size per message, however much they paste.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { deleteKeysWithPrefix } from "../../src/adapters/store/redis.js";
import { defineCommand } from "../../src/commands/definition.js";
import { ALL_COMMANDS } from "../../src/commands/index.js";
import { REFUSAL_TEXT_LIMIT } from "../../src/services/audit/refusal.js";
import { CONVERSATION, consoleActor, createHarness, type Harness } from "../helpers/dispatcher-harness.js";

const note = defineCommand({
  name: "note",
  summary: "Leaves a note (test)",
  args: z.object({ text: z.array(z.string()), tags: z.array(z.string()).default([]) }),
  positionals: [{ name: "text", variadic: true }],
  permission: "operator",
  destructive: false,
  async run(_ctx, args) {
    return { text: `noted ${args.text.length} words` };
  },
});

let h: Harness;
beforeAll(async () => {
  h = await createHarness({
    commands: [...ALL_COMMANDS, note],
    rbac: { bindings: [{ role: "operator", subjects: ["console:user:olga"] }], channels: {} },
  });
});
afterAll(async () => {
  await deleteKeysWithPrefix(h.redis, h.prefix);
  await h.close();
});
beforeEach(async () => {
  await h.redis.del(`${h.prefix}audit`);
});

const LONG = "A".repeat(1300);
const send = (user: string, text: string) =>
  h.dispatcher.onCommand({ actor: consoleActor(user), conversation: CONVERSATION, text, requestId: "r" });

async function stored(): Promise<string[][]> {
  const entries = (await h.redis.xrange(`${h.prefix}audit`, "-", "+")) as [string, string[]][];
  return entries.map(([, fields]) => fields);
}

function field(fields: string[], name: string): unknown {
  const i = fields.indexOf(name);
  return i === -1 ? undefined : JSON.parse(fields[i + 1]!);
}

describe("a refused command's audit record", () => {
  it.each([
    ["no role, a command it may not run", `note ${LONG} ${LONG} --tags ${LONG}`, "forbidden"],
    ["no role, an unknown command", `${LONG} ${LONG}`, "unknown-command"],
    ["no role, a text over the length limit", "x".repeat(5000), "usage"],
    ["no role, bad arguments", `note --colour ${LONG}`, "usage"],
    ["no role, unbalanced quotes", `note "${LONG}`, "usage"],
  ])("%s: one record, arguments and detail at most 200 characters", async (_what, text, outcome) => {
    const reply = await send("mallory", text);
    expect(reply.errorCode).toBeDefined();
    const records = await stored();
    expect(records).toHaveLength(1);
    const [record] = records;
    expect(field(record!, "outcome")).toBe(outcome);
    const args = field(record!, "args");
    if (args !== undefined) expect(JSON.stringify(args).length).toBeLessThanOrEqual(REFUSAL_TEXT_LIMIT + 20);
    expect(String(field(record!, "detail") ?? "").length).toBeLessThanOrEqual(REFUSAL_TEXT_LIMIT);
    expect(record!.join("").length).toBeLessThan(1000);
  });

  it("keeps what was tried, cut, with secrets redacted before the cut", async () => {
    await send("mallory", `note ${"B".repeat(500)} --tags password=hunter2`);
    const [record] = await stored();
    const args = field(record!, "args") as { truncated: string };
    expect(args.truncated.startsWith('{"text":["BBBB')).toBe(true);
    expect(args.truncated.endsWith("…")).toBe(true);
    expect(JSON.stringify(record)).not.toContain("hunter2");
  });

  it("keeps short arguments as they are", async () => {
    await send("mallory", "note hello world");
    const [record] = await stored();
    expect(field(record!, "args")).toEqual({ text: ["hello", "world"], tags: [] });
    expect(field(record!, "step")).toBe("authorize");
  });

  it("a permitted command still records every step with its full arguments", async () => {
    const reply = await send("olga", `note ${"C".repeat(400)}`);
    expect(reply.errorCode).toBeUndefined();
    const records = await stored();
    expect(records.map((r) => field(r, "step"))).toEqual(["parse", "authorize", "run", "report"]);
    expect(field(records[0]!, "args")).toEqual({ text: ["C".repeat(400)], tags: [] });
  });
});
