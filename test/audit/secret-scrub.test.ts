/**
 * A secret a user pastes into chat (a configured secret itself, or anything shaped like a credential) is
 * scrubbed from the audit record, from `audit export` and from the reply and card, by the very function
 * that scrubs the log lines.
 */
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { runAuditExport } from "../../src/adapters/store/audit-export-cli.js";
import { deleteKeysWithPrefix } from "../../src/adapters/store/redis.js";
import { createLogger } from "../../src/bot/logger.js";
import { defineCommand } from "../../src/commands/definition.js";
import { createScrubber, REDACTED } from "../../src/services/redaction.js";
import {
  CONVERSATION,
  consoleActor,
  createHarness,
  type Harness,
  REDIS_URL,
} from "../helpers/dispatcher-harness.js";

const CONFIGURED = "pve-token-secret-5a1c9e0f7d1b";
const PASTED = [
  CONFIGURED,
  "xoxb-2718281828-3141592653-AbCdEfGhIjKlMnOp",
  "PVEAPIToken=bot@pve!chatops=5a1c9e0f-7d1b-4c1e-9f65-3b2f4c1e8d77",
  "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXZhbHVl",
  "ghp_0123456789abcdefghijABCDEFGHIJ0123456789",
  "password=hunter2-hunter2",
];
const SECRET_PARTS = [
  CONFIGURED,
  "3141592653-AbCdEfGhIjKlMnOp",
  "3b2f4c1e8d77",
  "c2lnbmF0dXJlLXZhbHVl",
  "ABCDEFGHIJ0123456789",
  "hunter2",
];

const echo = defineCommand({
  name: "echo",
  summary: "Says back what it was given (test)",
  args: z.object({ words: z.array(z.string()) }),
  positionals: [{ name: "words", variadic: true }],
  permission: "viewer",
  destructive: false,
  async run(_ctx, args) {
    return {
      title: `echo ${args.words[0]}`,
      text: args.words.join(" "),
      fields: [{ label: "first", value: args.words[0]! }],
    };
  },
});
const publish = defineCommand({
  name: "publish",
  summary: "Publishes a note, after approval (test)",
  args: z.object({ words: z.array(z.string()) }),
  positionals: [{ name: "words", variadic: true }],
  permission: "operator",
  destructive: true,
  async run(_ctx, args) {
    return { text: `published: ${args.words.join(" ")}`, tone: "success" };
  },
});

let h: Harness;
beforeAll(async () => {
  h = await createHarness({
    commands: [echo, publish],
    rbac: {
      bindings: [
        { role: "operator", subjects: ["console:user:olga"] },
        { role: "approver", subjects: ["console:user:anna"] },
      ],
      channels: {},
    },
    secrets: [CONFIGURED],
  });
});
afterAll(async () => {
  await deleteKeysWithPrefix(h.redis, h.prefix);
  await h.close();
});
beforeEach(async () => {
  await h.redis.del(`${h.prefix}audit`);
});

const send = (user: string, text: string) =>
  h.dispatcher.onCommand({ actor: consoleActor(user), conversation: CONVERSATION, text, requestId: "r" });

function expectNoSecret(text: string): void {
  for (const part of SECRET_PARTS) expect(text).not.toContain(part);
}

describe("a secret pasted into chat", () => {
  it.each(PASTED)("%s: scrubbed from the reply and from every audit record", async (secret) => {
    const reply = await send("olga", `echo ${secret} and more`);
    expect(reply.errorCode).toBeUndefined();
    expect(reply.text).toContain(REDACTED);
    expect(reply.text).toContain("and more");
    expectNoSecret(JSON.stringify(reply));
    const raw = await h.redis.xrange(`${h.prefix}audit`, "-", "+");
    expect(raw.length).toBe(4);
    expect(JSON.stringify(raw)).toContain(REDACTED);
    expectNoSecret(JSON.stringify(raw));
  });

  it("is scrubbed from the approval card and from the approved run's reply", async () => {
    const ask = await send("olga", `publish ${PASTED.join(" ")}`);
    expect(ask.errorCode).toBeUndefined();
    const [cardId, card] = [...h.notifier.messages.entries()].at(-1)!;
    expectNoSecret(JSON.stringify(card.replies));
    const approvalId = /Request (\S+)\./.exec(ask.text!)![1]!;
    const done = await h.dispatcher.onAction({
      actor: consoleActor("anna"),
      conversation: CONVERSATION,
      message: { platform: "console", channelId: CONVERSATION.channelId, messageId: cardId },
      actionId: `approval:${approvalId}:approve`,
      requestId: "r2",
    });
    expect(done?.text).toMatch(/^published: /);
    expectNoSecret(JSON.stringify(done));
    expectNoSecret(JSON.stringify(h.notifier.messages.get(cardId)!.replies));
    expectNoSecret(JSON.stringify(await h.redis.xrange(`${h.prefix}audit`, "-", "+")));
  });

  it("is scrubbed from `audit export`, even from records stored before it was configured", async () => {
    // Written straight to the stream, as an older version without scrubbing would have.
    await h.redis.xadd(
      `${h.prefix}audit`,
      "*",
      ...["at", String(Date.now()), "kind", '"invocation"', "requestId", '"old"', "outcome", '"ok"'],
      ...["detail", JSON.stringify(`pasted ${PASTED.join(" ")}`)],
    );
    for (const format of ["jsonl", "csv"] as const) {
      const out = new PassThrough();
      let text = "";
      out.on("data", (chunk) => {
        text += String(chunk);
      });
      const count = await runAuditExport({
        redisUrl: REDIS_URL,
        prefix: h.prefix,
        since: "1h",
        format,
        stdout: out,
        secrets: [CONFIGURED],
      });
      expect(count).toBe(1);
      expect(text).toContain("pasted [redacted]");
      expectNoSecret(text);
    }
  });

  it("is scrubbed by the same function as the log lines", () => {
    const lines: string[] = [];
    const logger = createLogger({
      level: "info",
      format: "json",
      destination: { write: (line) => lines.push(line) },
      base: {},
      secrets: [CONFIGURED],
    });
    const scrub = createScrubber([CONFIGURED]);
    for (const secret of PASTED) {
      const message = `user said: ${secret} (end)`;
      logger.info(message);
      const logged = JSON.parse(lines.at(-1)!) as { msg: string };
      expect(logged.msg).toBe(scrub(message));
      expect(logged.msg).toContain(REDACTED);
    }
  });
});
