import { describe, expect, it } from "vitest";
import { acquireInOrder, type LeaseBook, releaseHeld } from "../../src/services/locks/lease-book.js";
import type { Lease, Semaphore } from "../../src/services/locks/ports.js";

/** A semaphore that records takes and releases and refuses the keys it is told to. */
function recordingSemaphore(refuse: Set<string>) {
  const events: string[] = [];
  const semaphore: Semaphore = {
    async acquire(key, _limit, options) {
      if (refuse.has(key)) throw new Error(`no slot for ${key}`);
      events.push(`take ${key} for ${options.owner}`);
      const lease: Lease = {
        async release() {
          events.push(`release ${key}`);
        },
      };
      return lease;
    },
  };
  return { semaphore, events };
}

describe("lease book", () => {
  const slots = [
    { key: "a", limit: 1 },
    { key: "b", limit: 2 },
    { key: "c", limit: 3 },
  ];

  it("takes slots in the given order and releases them all", async () => {
    const { semaphore, events } = recordingSemaphore(new Set());
    const book: LeaseBook = new Map();
    await acquireInOrder(semaphore, book, "j1", slots, { leaseMs: 1000 });
    expect(events).toEqual(["take a for j1", "take b for j1", "take c for j1"]);
    await acquireInOrder(semaphore, book, "j1", slots, { leaseMs: 1000 });
    expect(events).toHaveLength(3);
    await releaseHeld(book, "j1");
    expect(events.slice(3).sort()).toEqual(["release a", "release b", "release c"]);
    expect(book.has("j1")).toBe(false);
  });

  it("releases what it took when a later slot fails, and rethrows", async () => {
    const { semaphore, events } = recordingSemaphore(new Set(["c"]));
    const book: LeaseBook = new Map();
    await expect(acquireInOrder(semaphore, book, "j2", slots, { leaseMs: 1000 })).rejects.toThrow(
      "no slot for c",
    );
    expect(events).toEqual(["take a for j2", "take b for j2", "release a", "release b"]);
    expect(book.has("j2")).toBe(false);
  });
});
