/**
 * A thread reply as Slack receives it (saved in expected/kind-thread-reply.json): the chat.postMessage
 * arguments the real Web API client sends for a reply to a message and for a reply to that reply, which
 * Slack keeps in the first message's thread.
 */
import { describe, expect, it } from "vitest";
import type { Inbound } from "../../src/adapters/chat.js";
import { startHttpHarness } from "./helpers.js";

const idle: Inbound = { onCommand: async () => ({ text: "ok" }), onAction: async () => undefined };

describe("thread replies on Slack", () => {
  it("post into the root message's thread, as saved", async () => {
    const h = await startHttpHarness(idle);
    try {
      const where = { platform: "slack" as const, channelId: "C0ALERTS" };
      const root = await h.adapter.post(where, { tone: "danger", title: "Disk almost full on pve1" });
      const first = await h.adapter.reply(root, {
        tone: "info",
        text: "Acknowledged",
        context: "silenced 2 h",
      });
      await h.adapter.reply(first, { tone: "success", text: "Resolved" });
      const calls = h.fake.calls("chat.postMessage").filter((c) => c.status === 200);
      const ts = new Map([[root.messageId, "<root ts>"]]);
      const shown = calls.slice(1).map((c) => ({
        channel: c.args.channel,
        thread_ts: ts.get(String(c.args.thread_ts)) ?? c.args.thread_ts,
        text: c.args.text,
        blocks: JSON.parse(String(c.args.blocks)),
      }));
      expect(first.extra?.["threadTs"]).toBe(root.messageId);
      await expect(`${JSON.stringify(shown, null, 2)}\n`).toMatchFileSnapshot(
        "./expected/kind-thread-reply.json",
      );
    } finally {
      await h.close();
    }
  });
});
