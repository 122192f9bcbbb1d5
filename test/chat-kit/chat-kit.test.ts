import { describe, expect, it } from "vitest";
import { ButtonSigner } from "../../src/adapters/chat-kit/button-signer.js";
import { HandlerQueue } from "../../src/adapters/chat-kit/handler-queue.js";

const clock = { now: () => 1_750_000_000_000 };

describe("button signer with a platform's capacity", () => {
  const small = { platform: "Discord", idLength: 100, valueLength: 300 };

  it("carries an id longer than the platform's id in the value, and reads it back", () => {
    const signer = new ButtonSigner("secret", clock, 60_000, small);
    const id = `approval:${"x".repeat(120)}:approve`;
    const rendered = signer.sign(id, new Set());
    expect(rendered.actionId).not.toBe(id);
    expect(rendered.actionId.length).toBeLessThanOrEqual(small.idLength);
    expect(signer.check(rendered.actionId, rendered.value)).toEqual({ ok: true, id });
  });

  it("refuses an id the platform cannot carry at all, naming the platform", () => {
    const signer = new ButtonSigner("secret", clock, 60_000, small);
    expect(() => signer.sign("y".repeat(300), new Set())).toThrow(/Discord can carry at most about 195/);
  });
});

describe("handler queue", () => {
  it("runs at most `concurrency` tasks at once and refuses work beyond `maxQueued`", async () => {
    const queue = new HandlerQueue(1, 2);
    let running = 0;
    let most = 0;
    const releases: (() => void)[] = [];
    const task = () =>
      new Promise<void>((resolve) => {
        running++;
        most = Math.max(most, running);
        releases.push(() => {
          running--;
          resolve();
        });
      });
    // The first runs at once; two more wait; a fourth finds the queue full.
    expect(queue.offer(task)).toBe(true);
    expect(queue.offer(task)).toBe(true);
    expect(queue.offer(task)).toBe(true);
    expect(queue.full).toBe(true);
    expect(queue.offer(task)).toBe(false);
    while (queue.size > 0) {
      await new Promise((r) => setImmediate(r));
      releases.shift()?.();
    }
    await queue.idle();
    expect(most).toBe(1);
  });
});
