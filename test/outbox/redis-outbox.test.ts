/**
 * The durable outbox against a real Redis (unique prefix per test): order per conversation, edits
 * coalesced, retries, a crash of the process that was sending, two processes on one Redis, post keys.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type Delivery, DeliveryFailedError } from "../../src/adapters/chat-kit/delivery.js";
import { eventually } from "../slack/helpers.js";
import { deferred, type Harness, harness, recordingSender, Scripted, textOf } from "./helpers.js";

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const conv = (channelId: string) => ({ platform: "console" as const, channelId });

describe("the durable outbox", () => {
  it("keeps each conversation's order, and a slow conversation does not hold up another", async () => {
    h = harness();
    const sender = recordingSender();
    const gate = deferred();
    sender.before = async (d) => {
      if (textOf(d) === "A0") await gate.promise;
    };
    const outbox = h.outbox(sender);
    const a = Array.from({ length: 10 }, (_, i) => outbox.post(conv("A"), { text: `A${i}` }));
    const b = Array.from({ length: 10 }, (_, i) => outbox.post(conv("B"), { text: `B${i}` }));
    await Promise.all(b);
    expect(sender.sent.map(textOf)).toEqual(Array.from({ length: 10 }, (_, i) => `B${i}`));
    gate.resolve();
    const refs = await Promise.all(a);
    expect(sender.sent.filter((d) => textOf(d).startsWith("A")).map(textOf)).toEqual(
      Array.from({ length: 10 }, (_, i) => `A${i}`),
    );
    expect(new Set(refs.map((r) => r.messageId)).size).toBe(10);
    expect(outbox.stats()).toMatchObject({ accepted: 20, delivered: 20, failed: 0, pending: 0 });
    // Nothing is left behind in Redis once a lane is empty.
    expect(await h.redis.keys(`${h.prefix}outbox:console:q:*`)).toEqual([]);
    expect(await h.redis.smembers(`${h.prefix}outbox:console:lanes`)).toEqual([]);
  });

  it("coalesces waiting edits of one message: only the latest is sent, and every caller learns it", async () => {
    h = harness();
    const sender = recordingSender();
    const outbox = h.outbox(sender);
    const card = await outbox.post(conv("C"), { text: "queued" });
    const gate = deferred();
    const onTheWire = deferred();
    sender.before = async (d) => {
      if (textOf(d) !== "step 1") return;
      onTheWire.resolve();
      await gate.promise;
    };
    const first = outbox.update(card, { text: "step 1" });
    await onTheWire.promise;
    const rest = Array.from({ length: 9 }, (_, i) => outbox.update(card, { text: `step ${i + 2}` }));
    gate.resolve();
    await Promise.all([first, ...rest]);
    const updates = sender.sent.filter((d) => d.kind === "update").map(textOf);
    // The first was on the wire already; the nine behind it became one.
    expect(updates).toEqual(["step 1", "step 10"]);
    expect(outbox.stats()).toMatchObject({ accepted: 11, coalesced: 8, delivered: 3 });
  });

  it("waits out Retry-After without using an attempt, retries 5xx with backoff, then delivers", async () => {
    h = harness();
    const sender = recordingSender();
    const failures = [
      new Scripted({ kind: "retry-after", ms: 300 }),
      new Scripted({ kind: "backoff", code: "http_502" }),
      new Scripted({ kind: "backoff", code: "http_503" }),
    ];
    const tried: number[] = [];
    sender.before = () => {
      tried.push(Date.now());
      const next = failures.shift();
      if (next) throw next;
    };
    const outbox = h.outbox(sender, { retry: { maxAttempts: 3, backoffMs: 20, maxRetryAfterMs: 5000 } });
    const ref = await outbox.post(conv("C"), { text: "hello" });
    expect(ref.messageId).toBeDefined();
    expect(tried[1]! - tried[0]!).toBeGreaterThanOrEqual(290);
    expect(outbox.stats()).toMatchObject({ rateLimited: 1, retried: 2, delivered: 1, failed: 0 });
  });

  it("fails an item for good with the platform's code: counted, logged without the payload, caller told", async () => {
    h = harness();
    const sender = recordingSender();
    sender.before = (d) => {
      if (textOf(d).startsWith("secret")) throw new Scripted({ kind: "fail", code: "channel_not_found" });
    };
    const outbox = h.outbox(sender);
    const err = await outbox
      .post(conv("C9"), { text: "secret https://hooks.example/respond/xyz" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeliveryFailedError);
    expect(err).toMatchObject({ code: "channel_not_found", attempts: 1 });
    // The lane goes on with the next item.
    await outbox.post(conv("C9"), { text: "after" });
    expect(outbox.stats()).toMatchObject({ failed: 1, failedByCode: { channel_not_found: 1 }, delivered: 1 });
    const line = h.log.lines.find((l) => l.level === "error");
    expect(line?.obj).toMatchObject({ code: "channel_not_found", method: "post", lane: "C9", attempts: 1 });
    expect(h.log.dump()).not.toContain("hooks.example");
  });

  it("rides out a 5xx storm longer than the first delays: the pause doubles up to its cap", async () => {
    h = harness();
    const sender = recordingSender();
    let failures = 8;
    sender.before = () => {
      if (failures-- > 0) throw new Scripted({ kind: "backoff", code: "http_503" });
    };
    const naps: number[] = [];
    const outbox = h.outbox(sender, {
      retry: { maxAttempts: 10, backoffMs: 10, maxBackoffMs: 40, maxRetryAfterMs: 5000 },
      sleep: async (ms) => {
        naps.push(ms);
        await new Promise((r) => setTimeout(r, 1));
      },
    });
    const ref = await outbox.post(conv("C"), { text: "through the storm" });
    expect(ref.messageId).toBeDefined();
    expect(naps).toEqual([10, 20, 40, 40, 40, 40, 40, 40]);
    expect(outbox.stats()).toMatchObject({ retried: 8, delivered: 1, failed: 0 });
  });

  it("gives up on transient errors after the last attempt", async () => {
    h = harness();
    const sender = recordingSender();
    sender.before = () => {
      throw new Scripted({ kind: "backoff", code: "http_503" });
    };
    const outbox = h.outbox(sender);
    await expect(outbox.post(conv("C"), { text: "x" })).rejects.toMatchObject({
      code: "http_503",
      attempts: 3,
    });
    expect(outbox.stats()).toMatchObject({ retried: 2, failed: 1 });
  });

  it("after a crash mid-delivery, another process delivers the rest exactly once, in order", async () => {
    h = harness();
    const first = recordingSender("a");
    const hang = deferred();
    const reached = deferred();
    first.before = async (d) => {
      if (textOf(d) !== "m3") return;
      reached.resolve();
      await hang.promise; // the process dies before this send reaches the platform
    };
    const crashed = h.outbox(first, { leaseMs: 400, closeTimeoutMs: 50 });
    for (let i = 1; i <= 8; i++) void crashed.post(conv("C"), { text: `m${i}` }).catch(() => {});
    await reached.promise;
    expect(first.sent.map(textOf)).toEqual(["m1", "m2"]);
    // The process is gone: its Redis connection drops and nothing it holds in memory survives.
    h.crash(crashed);

    const second = recordingSender("b");
    const resumed = h.outbox(second);
    await eventually(() => second.sent.length === 6, 10_000, "the rest");
    expect([...first.sent, ...second.sent].map(textOf)).toEqual(
      Array.from({ length: 8 }, (_, i) => `m${i + 1}`),
    );
    hang.reject(new Error("gone"));
    expect(resumed.stats()).toMatchObject({ delivered: 6, failed: 0 });
  });

  it("two processes on one Redis send every item once, in each caller's order, and both callers get refs", async () => {
    h = harness();
    const s1 = recordingSender("one");
    const s2 = recordingSender("two");
    const order: string[] = [];
    const slow = async (d: Delivery) => {
      await new Promise<void>((r) => setTimeout(r, Math.random() * 5));
      order.push(textOf(d));
    };
    s1.before = slow;
    s2.before = slow;
    const p1 = h.outbox(s1);
    const p2 = h.outbox(s2);
    const posts = [];
    for (let i = 0; i < 40; i++) {
      const channel = `C${i % 4}`;
      posts.push(p1.post(conv(channel), { text: `${channel}:p1:${i}` }));
      posts.push(p2.post(conv(channel), { text: `${channel}:p2:${i}` }));
    }
    const refs = await Promise.all(posts);
    const sent = [...s1.sent, ...s2.sent].map(textOf);
    expect(sent).toHaveLength(80);
    expect(new Set(sent).size).toBe(80);
    expect(new Set(refs.map((r) => r.messageId)).size).toBe(80);
    for (const origin of ["p1", "p2"]) {
      for (let c = 0; c < 4; c++) {
        const ours = order.filter((t) => t.startsWith(`C${c}:${origin}:`));
        expect(ours).toHaveLength(10);
        expect(ours).toEqual([...ours].sort((x, y) => index(x) - index(y)));
      }
    }
  });

  it("posts a keyed message once across processes; later posts with the key edit it", async () => {
    h = harness();
    const s1 = recordingSender("one");
    const s2 = recordingSender("two");
    const p1 = h.outbox(s1);
    const p2 = h.outbox(s2);
    const key = "alert:g1:C0OPS";
    const [r1, r2] = await Promise.all([
      p1.post(conv("C0OPS"), { text: "firing (1)" }, { key }),
      p2.post(conv("C0OPS"), { text: "firing (2)" }, { key }),
    ]);
    expect(r2).toEqual(r1);
    const r3 = await p2.post(conv("C0OPS"), { text: "resolved" }, { key });
    expect(r3).toEqual(r1);
    const all = [...s1.sent, ...s2.sent];
    expect(all.filter((d) => d.kind === "post")).toHaveLength(1);
    expect(
      all
        .filter((d) => d.kind === "update")
        .map(textOf)
        .at(-1),
    ).toBe("resolved");
    expect(await h.redis.pttl(`${h.prefix}outbox:console:key:${key}`)).toBeGreaterThan(0);
    await expect(p1.post(conv("C0OPS"), { text: "x" }, { key: "has space" })).rejects.toThrow(/post key/);
  });
});

function index(text: string): number {
  return Number(text.split(":")[2]);
}
