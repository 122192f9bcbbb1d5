import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { deleteKeysWithPrefix } from "../../src/adapters/store/redis.js";
import { defineCommand } from "../../src/commands/definition.js";
import { ALL_COMMANDS } from "../../src/commands/index.js";
import type { Actor } from "../../src/services/vocabulary/identity.js";
import { CONVERSATION, consoleActor, createHarness, type Harness } from "../helpers/dispatcher-harness.js";

const boom = defineCommand({
  name: "boom",
  summary: "Fails unexpectedly (test)",
  args: z.object({}),
  permission: "viewer",
  destructive: false,
  async run() {
    throw new Error("secret internals: token=abc");
  },
});

let h: Harness;
beforeAll(async () => {
  h = await createHarness({
    commands: [...ALL_COMMANDS, boom],
    rbac: {
      bindings: [
        { role: "operator", subjects: ["console:user:alice"] },
        { role: "approver", subjects: ["console:user:bob"] },
        { role: "viewer", subjects: ["console:user:carol"] },
      ],
      channels: { audit: ["console:secure"] },
    },
  });
});
afterAll(async () => {
  await deleteKeysWithPrefix(h.redis, h.prefix);
  await h.close();
});

/** The command names of a help listing: each indented line of its code block, up to the summary. */
function helpNames(text: string | undefined): string[] {
  return (text ?? "")
    .split("\n")
    .filter((line) => line.startsWith("  "))
    .map((line) => line.trim().split(/\s{2,}/)[0]!);
}

function send(actor: Actor, text: string, channelId = CONVERSATION.channelId) {
  return h.dispatcher.onCommand({
    actor,
    conversation: { ...CONVERSATION, channelId },
    text,
    requestId: "req-1",
  });
}

describe("dispatcher pipeline", () => {
  it("answers an unknown command with the closest name and a pointer to help", async () => {
    const reply = await send(consoleActor("alice"), "whoamii");
    expect(reply.errorCode).toBe("E_UNKNOWN_COMMAND");
    expect(reply.text).toBe(
      "unknown command whoamii. Did you mean `whoami`? Type `help` to see what you can run.",
    );
  });

  it("answers bad arguments with what is wrong and the usage line, running nothing", async () => {
    const reply = await send(consoleActor("bob"), "audit --limit many");
    expect(reply.errorCode).toBe("E_ARGS");
    expect(reply.text).toBe(
      `--limit expects a number, got "many"\nusage: audit [--user USER] [--command COMMAND] [--page N] [--limit N]`,
    );
  });

  it("refuses a user without the role, naming the role needed", async () => {
    const reply = await send(consoleActor("carol"), "job cancel j1");
    expect(reply.errorCode).toBe("E_FORBIDDEN");
    expect(reply.text).toMatch(/needs the operator role; your role is viewer/);
  });

  it("lets an unbound user run only help and whoami", async () => {
    const stranger = consoleActor("mallory");
    expect((await send(stranger, "whoami")).fields?.find((f) => f.label === "Role")?.value).toMatch(/^none/);
    expect((await send(stranger, "jobs")).errorCode).toBe("E_FORBIDDEN");
    const help = await send(stranger, "help");
    expect(helpNames(help.code)).toEqual(["help", "whoami"]);
  });

  it("help lists only what the user may run, and per command its usage, role and approval", async () => {
    const carol = helpNames((await send(consoleActor("carol"), "help")).code);
    expect(carol).not.toContain("audit");
    expect(carol).toContain("vms");
    const detail = await send(consoleActor("alice"), "help job cancel");
    expect(detail.code).toBe("job cancel <id>");
    expect(detail.fields).toEqual(
      expect.arrayContaining([
        { label: "Role needed", value: "operator" },
        { label: "Needs approval", value: "no" },
      ]),
    );
  });

  it("enforces per-command channel allow-lists", async () => {
    expect((await send(consoleActor("bob"), "audit")).errorCode).toBe("E_CHANNEL");
    expect((await send(consoleActor("bob"), "audit", "secure")).errorCode).toBeUndefined();
  });

  it("answers an unexpected failure with a reference only, never its message", async () => {
    const reply = await send(consoleActor("alice"), "boom");
    expect(reply).toMatchObject({ errorCode: "E_INTERNAL", text: "internal error, ref req-1" });
    expect(JSON.stringify(reply)).not.toMatch(/secret|token/);
  });

  it("says Proxmox is not configured when the bot has no proxmox section", async () => {
    const reply = await send(consoleActor("alice"), "nodes");
    expect(reply.errorCode).toBe("E_CONFIG");
    expect(reply.text).toMatch(/no Proxmox VE is configured/);
  });

  it("audits refusals and runs with the actor and channel", async () => {
    await send(consoleActor("carol"), "job cancel j9");
    const [last] = await h.audit.query({ limit: 1, user: "carol" });
    expect(last).toMatchObject({
      step: "authorize",
      outcome: "forbidden",
      command: "job.cancel",
      channel: "ops",
    });
  });

  it("never throws, whatever the text and whoever sends it", async () => {
    const users = fc.constantFrom("alice", "bob", "carol", "mallory");
    const words = fc.constantFrom(
      "help",
      "job",
      "cancel",
      "jobs",
      "audit",
      "--limit",
      "--state",
      "approvals",
      '"',
      "\\",
      "--",
    );
    const text = fc
      .array(fc.oneof(words, fc.string({ maxLength: 10 })), { maxLength: 8 })
      .map((w) => w.join(" "));
    await fc.assert(
      fc.asyncProperty(users, text, async (user, line) => {
        const reply = await send(consoleActor(user), line);
        expect(reply.errorCode === "E_INTERNAL").toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});
