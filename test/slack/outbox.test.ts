import { webApi } from "@slack/bolt";
import { afterEach, describe, expect, it } from "vitest";
import { Outbox, SlackDeliveryError, SlackHttpError } from "../../src/adapters/slack/outbox.js";
import { FakeSlack } from "../fakes/slack/index.js";
import { BOT_TOKEN, memoryLog } from "./helpers.js";

function makeOutbox(opts: { maxRetryAfterMs?: number } = {}) {
  const slept: number[] = [];
  const log = memoryLog();
  const outbox = new Outbox({
    log,
    sleep: async (ms) => {
      slept.push(ms);
    },
    maxAttempts: 3,
    backoffMs: 500,
    maxRetryAfterMs: opts.maxRetryAfterMs ?? 60_000,
  });
  return { outbox, slept, log };
}

function deferred() {
  let release!: () => void;
  const promise = new Promise<void>((r) => {
    release = r;
  });
  return { promise, release };
}

let fake: FakeSlack | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe("Slack outbox", () => {
  it("coalesces queued edits of one message: the latest wins and every caller learns the outcome", async () => {
    const { outbox } = makeOutbox();
    const gate = deferred();
    const sent: string[] = [];
    const edit = (label: string) => async () => {
      if (label === "first") await gate.promise;
      sent.push(label);
      return label;
    };
    const results = [
      outbox.send("C1", "chat.update", edit("first"), "C1:1"),
      outbox.send("C1", "chat.update", edit("second"), "C1:1"),
      outbox.send("C1", "chat.update", edit("third"), "C1:1"),
      outbox.send("C1", "chat.update", edit("fourth"), "C1:1"),
    ];
    gate.release();
    expect(await Promise.all(results)).toEqual(["first", "fourth", "fourth", "fourth"]);
    expect(sent).toEqual(["first", "fourth"]);
    expect(outbox.stats()).toMatchObject({ accepted: 4, delivered: 2, coalesced: 2, failed: 0, pending: 0 });
  });

  it("keeps order within a channel and does not let one channel hold up another", async () => {
    const { outbox } = makeOutbox();
    const gate = deferred();
    const order: string[] = [];
    const a1 = outbox.send("CA", "chat.postMessage", async () => {
      await gate.promise;
      order.push("a1");
    });
    const a2 = outbox.send("CA", "chat.postMessage", async () => {
      order.push("a2");
    });
    await outbox.send("CB", "chat.postMessage", async () => {
      order.push("b1");
    });
    expect(order).toEqual(["b1"]);
    gate.release();
    await Promise.all([a1, a2]);
    expect(order).toEqual(["b1", "a1", "a2"]);
  });

  it("waits Retry-After on 429 and backs off on 5xx, then delivers", async () => {
    const { outbox, slept } = makeOutbox();
    const failures = [
      new SlackHttpError(429, "rate_limited", 2),
      new SlackHttpError(500, "http_500"),
      new SlackHttpError(502, "http_502"),
    ];
    const result = await outbox.send("C1", "response_url", async () => {
      const next = failures.shift();
      if (next) throw next;
      return "ok";
    });
    expect(result).toBe("ok");
    expect(slept).toEqual([2000, 500, 1000]);
    expect(outbox.stats()).toMatchObject({ rateLimited: 1, retried: 2, delivered: 1, failed: 0 });
  });

  it("retries a response_url post whose connection failed", async () => {
    const { outbox, slept } = makeOutbox();
    let calls = 0;
    const result = await outbox.send("C1", "response_url", async () => {
      calls++;
      if (calls < 3) throw new TypeError("fetch failed");
      return "ok";
    });
    expect(result).toBe("ok");
    expect(slept).toEqual([500, 1000]);
  });

  it("gives up after the last attempt, rejecting with the method and code, counted and logged", async () => {
    const { outbox, log } = makeOutbox();
    const err = await outbox
      .send("C1", "chat.update", async () => {
        throw new SlackHttpError(503, "http_503");
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SlackDeliveryError);
    expect(err).toMatchObject({ method: "chat.update", code: "http_503", attempts: 3 });
    expect(outbox.stats().failed).toBe(1);
    expect(log.lines.find((l) => l.level === "error")?.obj).toMatchObject({
      method: "chat.update",
      code: "http_503",
      channel: "C1",
    });
  });

  it("does not wait for a Retry-After longer than allowed", async () => {
    const { outbox, slept } = makeOutbox({ maxRetryAfterMs: 5000 });
    const err = await outbox
      .send("C1", "chat.postMessage", async () => {
        throw new SlackHttpError(429, "rate_limited", 60);
      })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "ratelimited" });
    expect(slept).toEqual([]);
  });

  it("understands the real Web API client's errors from the fake Slack", async () => {
    fake = await FakeSlack.start({ botToken: BOT_TOKEN });
    const client = new webApi.WebClient(BOT_TOKEN, {
      slackApiUrl: fake.apiUrl,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
    });
    const { outbox, slept } = makeOutbox();
    fake.failNext(
      "chat.postMessage",
      { status: 429, retryAfter: 3 },
      { status: 500 },
      { error: "internal_error" },
    );
    const res = await outbox.send("C0GENERAL", "chat.postMessage", () =>
      client.chat.postMessage({ channel: "C0GENERAL", text: "hi" }),
    );
    expect(res.ok).toBe(true);
    expect(slept).toEqual([3000, 500, 1000]);

    fake.failNext("chat.postMessage", { error: "channel_not_found" });
    const err = await outbox
      .send("C0GENERAL", "chat.postMessage", () =>
        client.chat.postMessage({ channel: "C0GENERAL", text: "hi" }),
      )
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ method: "chat.postMessage", code: "channel_not_found", attempts: 1 });
  });

  it("on close, fails what could not be sent in time and refuses new items", async () => {
    const { outbox } = makeOutbox();
    const stuck = outbox.send("C1", "chat.postMessage", () => new Promise(() => {})).catch((e: unknown) => e);
    const queued = outbox.send("C1", "chat.postMessage", async () => "late");
    await outbox.close(50);
    await expect(queued).rejects.toMatchObject({ code: "adapter_stopped" });
    await expect(outbox.send("C2", "chat.postMessage", async () => 1)).rejects.toMatchObject({
      code: "adapter_stopped",
    });
    expect(await stuck).toMatchObject({ code: "adapter_stopped" });
    expect(outbox.stats()).toMatchObject({ failed: 2, pending: 0 });
  });
});
