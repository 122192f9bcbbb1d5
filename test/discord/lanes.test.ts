/**
 * Which outbox lane a Discord delivery queues in: an interaction's messages stay with the process that
 * deferred it (only it knows whether the "thinking" response still waits), everything else queues by channel
 * so every process sends a channel's messages in one order.
 */
import { describe, expect, it } from "vitest";
import { originalId, tokenExtra } from "../../src/adapters/discord/refs.js";
import { DiscordSender, LocalContinuations } from "../../src/adapters/discord/sender.js";

function sender(): DiscordSender {
  const unused = async () => {
    throw new Error("no REST call expected");
  };
  return new DiscordSender({
    rest: { get: unused, post: unused, patch: unused, delete: unused },
    appId: "1",
    now: () => 0,
    render: () => ({ embeds: [] }) as never,
    continuations: new LocalContinuations(),
    log: { info: () => {} },
  });
}

const token = tokenExtra({ token: "tok", usableUntil: 900_000 });

describe("Discord delivery lanes", () => {
  it("queues a channel message by its channel, the same lane in every process", () => {
    const post = { kind: "post", conversation: { platform: "discord", channelId: "C1" }, reply: {} } as const;
    expect(sender().route(post)).toEqual({ lane: "C1", method: "post" });
    expect(sender().route(post).lane).toBe(sender().route(post).lane);
  });

  it("queues an interaction's answer in a lane of the process that deferred it", () => {
    const answer = {
      kind: "update",
      message: { platform: "discord", channelId: "C1", messageId: originalId("99"), extra: token },
      reply: {},
    } as const;
    const a = sender();
    const b = sender();
    expect(a.route(answer).lane).toMatch(/^C1:interaction:/);
    expect(a.route(answer).lane).toBe(a.route(answer).lane);
    expect(a.route(answer).lane).not.toBe(b.route(answer).lane);
  });
});
