/**
 * What every process does on its own, with several processes on one Redis: each process has its own
 * connection and runs the approval expiry sweep on its own timer. Every expired request must be closed
 * and its card edited exactly once in total, whichever process's sweep reaches it.
 */
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { createStores } from "../../src/bot/compose/stores.js";
import { sweepExpired } from "../../src/services/approvals/sweep.js";
import type { Notifier } from "../../src/services/ports.js";
import type { MessageRef } from "../../src/services/vocabulary/identity.js";
import { request, T0 } from "../approvals/fixtures.js";
import { dropPrefix, memoryLog, REDIS_URL, uniquePrefix } from "../store/helpers.js";

const clients: Redis[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.disconnect();
});

function editsRecorder(): Notifier & { edited: string[] } {
  const edited: string[] = [];
  return {
    edited,
    post: async () => {
      throw new Error("the sweep only edits");
    },
    update: async (message: MessageRef) => {
      edited.push(message.messageId);
    },
  };
}

describe("the approval expiry sweep in several processes", () => {
  it("closes each expired request and edits its card once across 4 concurrent sweepers", async () => {
    const prefix = uniquePrefix();
    const processes = Array.from({ length: 4 }, () => {
      const redis = new Redis(REDIS_URL);
      clients.push(redis);
      return { stores: createStores(redis, { prefix }), chat: editsRecorder() };
    });
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      const r = request({ policy: { expiresInMs: 1000 } });
      await processes[i % 4]!.stores.approvals.create(r);
      await processes[i % 4]!.stores.approvals.attachMessage(r.id, {
        platform: "slack",
        channelId: "C1",
        messageId: `card-${r.id}`,
      });
      ids.push(r.id);
    }
    // Every process sweeps several times at once, as their timers would fire over a few intervals.
    const results = await Promise.all(
      processes.flatMap((p) =>
        [0, 1, 2].map(() =>
          sweepExpired({
            store: p.stores.approvals,
            notifier: { slack: p.chat },
            now: T0 + 5000,
            log: memoryLog(),
          }),
        ),
      ),
    );
    const expired = results.flatMap((r) => r.expired.map((x) => x.id));
    expect(expired.sort()).toEqual([...ids].sort());
    const edited = processes.flatMap((p) => p.chat.edited);
    expect(edited.sort()).toEqual(ids.map((id) => `card-${id}`).sort());
    for (const id of ids) expect((await processes[0]!.stores.approvals.get(id))?.status).toBe("expired");
    await dropPrefix(clients[0]!, prefix);
  });
});
