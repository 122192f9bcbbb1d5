import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { UserError } from "../../src/services/errors.js";
import { notifierFor, ThrottledMessage } from "../../src/services/jobs/progress.js";
import type { Reply } from "../../src/services/vocabulary/reply.js";
import { captureLog, RecordingNotifier } from "./support.js";

const message = { platform: "console" as const, channelId: "ops", messageId: "m1" };
const clock = { now: () => Date.now() };
const state = (n: number): Reply => ({ text: `state ${n}` });

describe("ThrottledMessage", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function setup(intervalMs = 1000) {
    const chat = new RecordingNotifier(clock);
    const log = captureLog();
    const card = new ThrottledMessage({ notifier: chat, message, intervalMs, clock, log });
    return { chat, log, card };
  }

  it("sends the first state at once and coalesces a burst into the latest state one interval later", async () => {
    const { chat, card } = setup();
    card.set(state(1));
    await vi.advanceTimersByTimeAsync(0);
    expect(chat.edits.map((e) => e.reply.text)).toEqual(["state 1"]);
    for (let n = 2; n <= 50; n++) {
      card.set(state(n));
      await vi.advanceTimersByTimeAsync(10);
    }
    // 490 ms in: still one edit.
    expect(chat.edits).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(510);
    expect(chat.edits.map((e) => e.reply.text)).toEqual(["state 1", "state 50"]);
    expect(chat.edits[1]!.at - chat.edits[0]!.at).toBe(1000);
    expect(card.stats).toEqual({ edits: 2, errors: 0, coalesced: 48 });
  });

  it("never starts two edits closer than the interval over a long run", async () => {
    const { chat, card } = setup(250);
    for (let n = 1; n <= 400; n++) {
      card.set(state(n));
      await vi.advanceTimersByTimeAsync(7);
    }
    const final = card.flush(state(999));
    await vi.advanceTimersByTimeAsync(250);
    await expect(final).resolves.toBe(true);
    const gaps = chat.edits.slice(1).map((e, i) => e.at - chat.edits[i]!.at);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(250);
    // 400 states over 2.8 s collapse to about one edit per 250 ms.
    expect(chat.edits.length).toBeLessThanOrEqual(Math.ceil((400 * 7) / 250) + 2);
    expect(chat.edits.at(-1)!.reply.text).toBe("state 999");
  });

  it("flush waits out the interval, drops the pending state and always delivers the final one", async () => {
    const { chat, card } = setup();
    card.set(state(1));
    await vi.advanceTimersByTimeAsync(100);
    card.set(state(2));
    let flushed: boolean | undefined;
    void card.flush(state(3)).then((ok) => {
      flushed = ok;
    });
    await vi.advanceTimersByTimeAsync(899);
    expect(flushed).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(flushed).toBe(true);
    expect(chat.edits.map((e) => e.reply.text)).toEqual(["state 1", "state 3"]);
    // A late state after the final one is ignored.
    card.set(state(4));
    await vi.advanceTimersByTimeAsync(5000);
    expect(chat.edits).toHaveLength(2);
  });

  it("flush with nothing sent before delivers immediately", async () => {
    const { chat, card } = setup();
    await expect(card.flush(state(7))).resolves.toBe(true);
    expect(chat.edits.map((e) => e.reply.text)).toEqual(["state 7"]);
  });

  it("logs and counts notifier errors without throwing, and retries the final state", async () => {
    const { chat, card, log } = setup(100);
    chat.failures = 2;
    card.set(state(1));
    await vi.advanceTimersByTimeAsync(0);
    card.set(state(2));
    await vi.advanceTimersByTimeAsync(100);
    expect(chat.edits).toHaveLength(0);
    const final = card.flush(state(3));
    await vi.advanceTimersByTimeAsync(300);
    await expect(final).resolves.toBe(true);
    expect(chat.edits.map((e) => e.reply.text)).toEqual(["state 3"]);
    expect(card.stats.errors).toBe(2);
    expect(log.lines.filter((l) => l.level === "warn")).toHaveLength(2);
  });

  it("reports false when the final state cannot be delivered after every try", async () => {
    const { chat, card } = setup(100);
    chat.failures = 10;
    const final = card.flush(state(1));
    await vi.advanceTimersByTimeAsync(1000);
    await expect(final).resolves.toBe(false);
    expect(card.stats.errors).toBe(3);
  });

  it("given a conversation, posts the first state there and throttles edits of that post", async () => {
    const chat = new RecordingNotifier(clock);
    const conversation = { platform: "console" as const, channelId: "ops" };
    const table = new ThrottledMessage({
      notifier: chat,
      conversation,
      intervalMs: 1000,
      clock,
      log: captureLog(),
    });
    table.set(state(1));
    await vi.advanceTimersByTimeAsync(0);
    for (let n = 2; n <= 20; n++) {
      table.set(state(n));
      await vi.advanceTimersByTimeAsync(10);
    }
    const final = table.flush(state(99));
    await vi.advanceTimersByTimeAsync(1000);
    await expect(final).resolves.toBe(true);
    expect(chat.posts.map((p) => [p.conversation, p.reply.text])).toEqual([[conversation, "state 1"]]);
    expect(chat.edits.map((e) => [e.messageId, e.reply.text])).toEqual([["m1", "state 99"]]);
    expect(chat.edits[0]!.at - chat.posts[0]!.at).toBe(1000);
  });

  it("rejects a negative interval", () => {
    const chat = new RecordingNotifier(clock);
    expect(
      () => new ThrottledMessage({ notifier: chat, message, intervalMs: -1, clock, log: captureLog() }),
    ).toThrow(/intervalMs/);
  });
});

describe("notifierFor", () => {
  it("refuses a platform without a notifier with a specific user error", () => {
    const chat = new RecordingNotifier();
    expect(notifierFor({ console: chat }, "console")).toBe(chat);
    expect(() => notifierFor({ console: chat }, "slack")).toThrow(UserError);
    expect(() => notifierFor({ console: chat }, "slack")).toThrow(/no slack notifier/);
  });
});
