/**
 * Sending through the fake: a message of an interaction is edited through the interaction's webhook while
 * its token lives and then continues on a channel message the bot owns; nothing is dropped under 429 (the
 * fake answers with Retry-After and X-RateLimit headers) and order is kept; 5xx are retried, a refusal is a
 * final failure with Discord's code; overflow goes as a file; a reply references the message it answers.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { ActionEvent } from "../../src/adapters/chat.js";
import { DeliveryFailedError } from "../../src/adapters/chat-kit/delivery.js";
import type { MessageRef } from "../../src/services/vocabulary/identity.js";
import type { Reply } from "../../src/services/vocabulary/reply.js";
import { RecordingInbound } from "../contract/chat-adapter.contract.js";
import {
  BOB,
  buttonsOf,
  CHANNEL_ID,
  type DiscordHarness,
  eventually,
  startDiscordHarness,
  visibleText,
} from "./helpers.js";

let h: DiscordHarness | undefined;
afterEach(async () => {
  const problems = [...(h?.fake.problems ?? [])];
  await h?.close();
  h = undefined;
  expect(problems, "REST calls the OpenAPI spec refuses").toEqual([]);
});

const channel = { platform: "discord" as const, channelId: CHANNEL_ID };
const progress = (n: number): Reply => ({
  tone: "info",
  text: `step ${n} of 9`,
  progress: { fraction: n / 9, step: `step ${n}` },
  visibility: "channel",
});

/** A click whose handler posts a job card through the click's interaction, as an approved job does. */
async function cardFromClick(h: DiscordHarness, inbound: RecordingInbound): Promise<MessageRef> {
  let card: MessageRef | undefined;
  inbound.actionReply = () => undefined;
  const onAction = inbound.onAction.bind(inbound);
  inbound.onAction = async (e: ActionEvent) => {
    card = await h.adapter.post(e.conversation, progress(1));
    return onAction(e);
  };
  const approval = await h.adapter.post(channel, {
    text: "approve?",
    buttons: [{ id: "approval:x:approve", label: "Approve" }],
  });
  const stored = h.fake.state.message(approval.messageId)!;
  await h.fake.answered(h.fake.click(BOB, stored, buttonsOf(stored)[0]!.customId!));
  await eventually(() => card !== undefined, 5000, "the job card");
  await h.adapter.settled();
  return card!;
}

describe("discord delivery", () => {
  it("edits an interaction's message through its webhook, then continues on a bot message after 15 minutes", async () => {
    const inbound = new RecordingInbound();
    h = await startDiscordHarness(inbound);
    const card = await cardFromClick(h, inbound);
    const first = h.fake.state.message(card.messageId)!;
    expect(first.author).toBe("interaction");
    await h.adapter.update(card, progress(2));
    expect(h.fake.state.message(card.messageId)!.edits).toBe(1);
    h.fake.state.advance(15 * 60_000);
    await h.adapter.update(JSON.parse(JSON.stringify(card)) as MessageRef, progress(3));
    await h.adapter.update(card, progress(4));
    await h.adapter.update(card, { tone: "success", text: "all 9 steps done", visibility: "channel" });
    const shown = h.fake.state.visible(CHANNEL_ID);
    const continued = shown.filter((m) => m.replyTo === card.messageId);
    expect(continued).toHaveLength(1);
    expect(continued[0]!.author).toBe("bot");
    expect(continued[0]!.edits).toBe(2);
    expect(visibleText(continued[0]!)).toContain("all 9 steps done");
    expect(visibleText(h.fake.state.message(card.messageId)!)).toContain("step 2 of 9");
    // The expired token was never used: every edit after 15 minutes went to the bot's own message.
    expect(h.fake.state.calls.filter((c) => c.status === 401)).toEqual([]);
  });

  it("nothing is dropped under 429: every post arrives, in order, after the waits", async () => {
    h = await startDiscordHarness(new RecordingInbound());
    h.fake.rateLimitNext(/^\/channels\/\d+\/messages$/, 3, 0.2, "POST");
    const refs = await Promise.all(
      Array.from({ length: 8 }, (_, i) => h!.adapter.post(channel, { text: `message ${i}` })),
    );
    expect(new Set(refs.map((r) => r.messageId)).size).toBe(8);
    const texts = h.fake.state.visible(CHANNEL_ID).map(visibleText);
    expect(texts).toEqual(Array.from({ length: 8 }, (_, i) => `message ${i}`));
    const posts = h.fake.state.callsTo("POST", /^\/channels\/\d+\/messages$/);
    expect(posts.filter((c) => c.status === 429)).toHaveLength(3);
    expect(posts.filter((c) => c.status === 200)).toHaveLength(8);
  });

  it("retries a 5xx, and reports a refusal with Discord's code without retrying", async () => {
    h = await startDiscordHarness(new RecordingInbound());
    h.fake.failNext(/^\/channels\/\d+\/messages$/, 502, 0, "POST");
    const ref = await h.adapter.post(channel, { text: "after an outage" });
    expect(visibleText(h.fake.state.message(ref.messageId)!)).toBe("after an outage");
    const gone: MessageRef = { platform: "discord", channelId: CHANNEL_ID, messageId: "1399999999999999999" };
    const err = await h.adapter.update(gone, { text: "edit" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeliveryFailedError);
    expect((err as DeliveryFailedError).code).toBe("discord_10008");
    expect(h.fake.state.callsTo("PATCH", /1399999999999999999/)).toHaveLength(1);
  });

  it("uploads what does not fit as a file, and a reply references the message it answers", async () => {
    h = await startDiscordHarness(new RecordingInbound());
    const rows = Array.from({ length: 300 }, (_, i) => [String(100 + i), `vm-${i}`, "running"]);
    const ref = await h.adapter.post(channel, {
      title: "VMs",
      table: { columns: ["vmid", "name", "status"], rows },
    });
    const posted = h.fake.state.message(ref.messageId)!;
    expect(posted.attachments).toHaveLength(1);
    expect(posted.attachments[0]!.size).toBeGreaterThan(3000);
    const answer = await h.adapter.reply(ref, { text: "looked at it" });
    expect(h.fake.state.message(answer.messageId)!.replyTo).toBe(ref.messageId);
  });

  it("the fake refuses a body the OpenAPI spec refuses", async () => {
    h = await startDiscordHarness(new RecordingInbound());
    const res = await fetch(`${h.fake.apiUrl}/channels/${CHANNEL_ID}/messages`, {
      method: "POST",
      headers: { authorization: `Bot ${h.fake.options.token}`, "content-type": "application/json" },
      body: JSON.stringify({ content: "x", embeds: [{ title: 5 }] }),
    });
    await res.arrayBuffer();
    expect(h.fake.problems.length).toBeGreaterThan(0);
    h.fake.problems.length = 0;
  });
});
