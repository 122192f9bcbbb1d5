/**
 * `commands_total{outcome}` counts the five outcome classes, fed by the real dispatcher: each class is
 * produced by a command that really ends that way, and the scrape shows it under that label.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { deleteKeysWithPrefix } from "../../src/adapters/store/redis.js";
import { createMetrics, type Metrics } from "../../src/bot/metrics.js";
import { COMMAND_OUTCOMES } from "../../src/bot/pipeline/outcome.js";
import { defineCommand } from "../../src/commands/definition.js";
import { ALL_COMMANDS } from "../../src/commands/index.js";
import { UnavailableError } from "../../src/services/errors.js";
import { CONVERSATION, consoleActor, createHarness, type Harness } from "../helpers/dispatcher-harness.js";

const backendDown = defineCommand({
  name: "backend-down",
  summary: "Needs a backend that does not answer (test)",
  args: z.object({}),
  permission: "viewer",
  destructive: false,
  async run() {
    throw new UnavailableError("Proxmox");
  },
});
const crash = defineCommand({
  name: "crash",
  summary: "Fails unexpectedly (test)",
  args: z.object({}),
  permission: "viewer",
  destructive: false,
  async run() {
    throw new Error("bug");
  },
});

let h: Harness;
let metrics: Metrics;
beforeAll(async () => {
  metrics = createMetrics({ processMetrics: false });
  h = await createHarness({
    commands: [...ALL_COMMANDS, backendDown, crash],
    rbac: { bindings: [{ role: "viewer", subjects: ["console:user:carol"] }], channels: {} },
    metrics: {
      commandFinished: (command, outcome, seconds) => metrics.observeCommand(command, outcome, seconds),
      approvalDecided: (outcome) => metrics.observeApproval(outcome),
    },
  });
});
afterAll(async () => {
  await deleteKeysWithPrefix(h.redis, h.prefix);
  await h.close();
});

function count(text: string, command: string, outcome: string): number {
  const series = `commands_total{command="${command}",outcome="${outcome}"} `;
  const line = text.split("\n").find((l) => l.startsWith(series));
  return line === undefined ? 0 : Number(line.slice(series.length));
}

describe("commands_total by outcome class", () => {
  it.each([
    { outcome: "ok", user: "carol", text: "whoami", command: "whoami", code: undefined },
    { outcome: "usage", user: "carol", text: "audit --limit many", command: "audit", code: "E_ARGS" },
    { outcome: "forbidden", user: "mallory", text: "jobs", command: "jobs", code: "E_FORBIDDEN" },
    {
      outcome: "unavailable",
      user: "carol",
      text: "backend-down",
      command: "backend-down",
      code: "E_UNAVAILABLE",
    },
    { outcome: "error", user: "carol", text: "crash", command: "crash", code: "E_INTERNAL" },
  ])("a command that ends $outcome ($code) is counted as $outcome", async (c) => {
    const before = await metrics.render();
    const reply = await h.dispatcher.onCommand({
      actor: consoleActor(c.user),
      conversation: CONVERSATION,
      text: c.text,
      requestId: `req-${c.outcome}`,
    });
    expect(reply.errorCode).toBe(c.code);
    const after = await metrics.render();
    expect(count(after, c.command, c.outcome) - count(before, c.command, c.outcome)).toBe(1);
    for (const other of COMMAND_OUTCOMES.filter((o) => o !== c.outcome)) {
      expect(count(after, c.command, other)).toBe(0);
    }
  });

  it("an unknown command is a usage outcome, not a new series named after the text", async () => {
    await h.dispatcher.onCommand({
      actor: consoleActor("carol"),
      conversation: CONVERSATION,
      text: "drop-table",
      requestId: "req-unknown",
    });
    const text = await metrics.render();
    expect(count(text, "unknown", "usage")).toBe(1);
    expect(text).not.toMatch(/outcome="E_/);
  });
});
