/**
 * Pacing at Slack's rates: the token buckets on a fake monotonic clock, and a burst of commands in one
 * channel through the real Bolt adapter and Web API client against the fake Slack, which answers 429 with
 * Retry-After to a second message in a channel within a second, as Slack does.
 */
import { describe, expect, it } from "vitest";
import type { Inbound } from "../../src/adapters/chat.js";
import { Outbox } from "../../src/adapters/slack/outbox.js";
import { Pacer, TokenBucket } from "../../src/adapters/slack/pacing.js";
import { postSigned, slashCommandBody } from "../fakes/slack/index.js";
import { eventually, memoryLog, SIGNING_SECRET, startHttpHarness } from "./helpers.js";

describe("token buckets", () => {
  it("a tier bucket allows a minute's burst, then its steady rate", () => {
    const bucket = new TokenBucket(50, 1200, 0);
    for (let i = 0; i < 50; i++) {
      expect(bucket.waitMs(0)).toBe(0);
      bucket.take(0);
    }
    expect(bucket.waitMs(0)).toBe(1200);
    expect(bucket.waitMs(600)).toBe(600);
    expect(bucket.waitMs(1200)).toBe(0);
  });

  it("a channel allows one message a second, counted from the end of the previous call", () => {
    let now = 1000;
    const pacer = new Pacer(() => now);
    expect(pacer.reserve("C1", "chat.postMessage")).toBe(0);
    now += 300; // the call took 300 ms
    pacer.settle("C1", "chat.postMessage");
    expect(pacer.reserve("C1", "chat.postMessage")).toBe(1000);
    expect(pacer.reserve("C2", "chat.postMessage")).toBe(0);
    expect(pacer.reserve("C1", "chat.update")).toBe(0);
    expect(pacer.reserve("C1", "response_url")).toBe(0);
    now += 999;
    expect(pacer.reserve("C1", "chat.postMessage")).toBe(1);
    now += 1;
    expect(pacer.reserve("C1", "chat.postMessage")).toBe(0);
  });

  it("a call that took longer than the interval still spaces the next one from its end", () => {
    let now = 0;
    const pacer = new Pacer(() => now);
    expect(pacer.reserve("C1", "chat.postMessage")).toBe(0);
    now += 1500; // reserved early, reached Slack late: Slack counts from when it handled the call
    pacer.settle("C1", "chat.postMessage");
    expect(pacer.reserve("C1", "chat.postMessage")).toBe(1000);
  });

  it("the outbox waits for the pacer, in every lane that shares a method's tier", async () => {
    let now = 0;
    const slept: number[] = [];
    const outbox = new Outbox({
      log: memoryLog(),
      sleep: async (ms) => {
        slept.push(ms);
        now += ms;
      },
      maxAttempts: 1,
      backoffMs: 1,
      maxRetryAfterMs: 1000,
      pacer: new Pacer(() => now, { "chat.update": 2 }),
    });
    const sent: string[] = [];
    const edit = (channel: string) =>
      outbox.send(channel, "chat.update", async () => {
        sent.push(channel);
      });
    await Promise.all([edit("C1"), edit("C2"), edit("C3")]);
    expect(sent).toEqual(["C1", "C2", "C3"]);
    expect(slept).toEqual([30_000]);
    expect(outbox.stats()).toMatchObject({ delivered: 3, paced: 1, rateLimited: 0 });
  });
});

describe("a burst of commands in one channel (real Bolt and Web API, fake Slack)", () => {
  it("20 commands: every reply delivered, not one 429", async () => {
    let n = 0;
    const inbound: Inbound = {
      onCommand: async (inv) => ({ text: `done: ${inv.text} (${++n})`, visibility: "channel" }),
      onAction: async () => undefined,
    };
    const h = await startHttpHarness(inbound);
    try {
      const started = Date.now();
      const sends = Array.from({ length: 20 }, (_, i) => {
        const { body } = slashCommandBody(h.fake, { text: `vm start ${100 + i}`, channelId: "C0BURST" });
        return postSigned(h.eventsUrl, SIGNING_SECRET, body);
      });
      expect((await Promise.all(sends)).map((r) => r.status)).toEqual(Array(20).fill(200));
      await eventually(
        () => h.fake.calls("chat.postMessage").filter((c) => c.status === 200).length === 20,
        40_000,
      );
      const posts = h.fake.calls("chat.postMessage");
      expect(posts.filter((c) => c.status === 429)).toHaveLength(0);
      expect(h.fake.state.messages.filter((m) => m.channel === "C0BURST")).toHaveLength(20);
      const at = posts.map((c) => c.at);
      for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(1000);
      expect(Date.now() - started).toBeLessThan(35_000);
      await h.adapter.settled();
      expect(h.adapter.stats()).toMatchObject({ rateLimited: 0, failed: 0, delivered: 20 });
    } finally {
      await h.close();
    }
  }, 60_000);
});
