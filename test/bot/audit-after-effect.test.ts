/**
 * Truthful under faults: Redis fails right after a command's action ran. The user still gets the action's
 * result (never "temporarily unavailable, try again"), the audit records wait in the retry buffer, the
 * failure is logged and counted, and the records reach the stream once Redis answers again.
 */
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineCommand } from "../../src/commands/definition.js";
import type { AuditRetryEvent } from "../../src/services/audit/retry-buffer.js";
import { CONVERSATION, consoleActor, createHarness, type Harness } from "../helpers/dispatcher-harness.js";
import { PrivateRedis } from "../helpers/private-redis.js";
import { type LogEntry, memoryLog } from "../store/helpers.js";

const RBAC = {
  bindings: [
    { role: "operator" as const, subjects: ["console:user:olga"] },
    { role: "approver" as const, subjects: ["console:user:anna"] },
  ],
  channels: {},
};

let redis: PrivateRedis | undefined;
let h: Harness | undefined;
afterEach(async () => {
  redis?.resume();
  await h?.close();
  await redis?.kill();
  h = undefined;
  redis = undefined;
});

/** A command whose action "happens", then Redis fails the way `fault` says, before the audit write. */
function actionThen(fault: (r: PrivateRedis) => Promise<void>, destructive: boolean, effects: string[]) {
  return defineCommand({
    name: destructive ? "vm.wipe" : "vm.snapshot",
    summary: "Does something irreversible (test)",
    args: z.object({ vmid: z.number().int() }),
    positionals: [{ name: "vmid" }],
    permission: "operator",
    destructive,
    async run(_ctx, args) {
      effects.push(`vm ${args.vmid}`);
      await fault(redis!);
      return { text: `VM ${args.vmid} done`, tone: "success", visibility: "channel" };
    },
  });
}

async function setUp(
  command: ReturnType<typeof actionThen>,
  opts: { commandTimeoutMs?: number } = {},
): Promise<{ events: AuditRetryEvent[]; logs: LogEntry[] }> {
  redis = await PrivateRedis.start();
  const events: AuditRetryEvent[] = [];
  const logs: LogEntry[] = [];
  h = await createHarness({
    commands: [command],
    rbac: RBAC,
    redisUrl: redis.url,
    log: memoryLog(logs),
    onAuditRetry: (event) => events.push(event),
    ...opts,
  });
  return { events, logs };
}

async function streamSteps(): Promise<string[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      if (h!.auditRetry.size === 0) {
        const entries = (await h!.redis.xrange(`${h!.prefix}audit`, "-", "+")) as [string, string[]][];
        return entries.map(
          ([, f]) => `${JSON.parse(f[f.indexOf("step") + 1]!)}:${JSON.parse(f[f.indexOf("outcome") + 1]!)}`,
        );
      }
    } catch {
      // Redis still coming back.
    }
    if (Date.now() > deadline) throw new Error(`audit buffer still holds ${h!.auditRetry.size} records`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const auditFailureLogged = (logs: LogEntry[]) =>
  logs.some(
    (l) => l.level === "warn" && l.msg === "audit write failed; the record is kept in memory and retried",
  );

describe("Redis fails after the action ran", () => {
  it("killed: a typed command's result still reaches the user; its records are written when Redis is back", async () => {
    const effects: string[] = [];
    const { events, logs } = await setUp(actionThen((r) => r.kill(), false, effects));
    const reply = await h!.dispatcher.onCommand({
      actor: consoleActor("olga"),
      conversation: CONVERSATION,
      text: "vm snapshot 101",
      requestId: "typed",
    });
    expect(effects).toEqual(["vm 101"]);
    expect(reply.errorCode).toBeUndefined();
    expect(reply.text).toBe("VM 101 done");
    expect(h!.auditRetry.size).toBe(2);
    expect(events.filter((e) => e === "buffered")).toHaveLength(2);
    expect(auditFailureLogged(logs)).toBe(true);

    await redis!.restart();
    // The private server keeps nothing across the kill: only the records written after it remain.
    expect(await streamSteps()).toEqual(["run:ok", "report:success"]);
    expect(events.filter((e) => e === "written-late")).toHaveLength(2);
  });

  it("killed: the approver of a destructive command is told it ran, not to try again", async () => {
    const effects: string[] = [];
    const { events } = await setUp(actionThen((r) => r.kill(), true, effects));
    const asked = await h!.dispatcher.onCommand({
      actor: consoleActor("olga"),
      conversation: CONVERSATION,
      text: "vm wipe 102",
      requestId: "ask",
    });
    const approvalId = /Request (\S+)\./.exec(asked.text!)![1]!;
    const [cardId] = [...h!.notifier.messages.keys()];
    const result = await h!.dispatcher.onAction({
      actor: consoleActor("anna"),
      conversation: CONVERSATION,
      message: { platform: "console", channelId: CONVERSATION.channelId, messageId: cardId! },
      actionId: `approval:${approvalId}:approve`,
      requestId: "click",
    });
    expect(effects).toEqual(["vm 102"]);
    expect(result?.errorCode).toBeUndefined();
    expect(result?.text).toBe("VM 102 done");
    expect(result?.text).not.toMatch(/try again|unavailable/);
    expect(events).toContain("buffered");

    await redis!.restart();
    expect(await streamSteps()).toEqual(["run:ok", "report:success"]);
  });

  it("paused: a hung Redis after the action also ends in the result, once the write times out", async () => {
    const effects: string[] = [];
    const { events } = await setUp(
      actionThen(async (r) => r.pause(), false, effects),
      { commandTimeoutMs: 500 },
    );
    const reply = await h!.dispatcher.onCommand({
      actor: consoleActor("olga"),
      conversation: CONVERSATION,
      text: "vm snapshot 103",
      requestId: "paused",
    });
    expect(reply.errorCode).toBeUndefined();
    expect(reply.text).toBe("VM 103 done");
    expect(events.filter((e) => e === "buffered")).toHaveLength(2);

    redis!.resume();
    // Still running: the records written before the pause are kept, the late ones follow.
    expect(await streamSteps()).toEqual(["parse:ok", "authorize:ok", "run:ok", "report:success"]);
  });
});
