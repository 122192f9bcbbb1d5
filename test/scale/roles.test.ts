/**
 * What every process does on its own, with several processes on one Redis: each process has its own
 * connection and runs the approval expiry sweep on its own timer. Every expired request must be closed
 * and its card edited exactly once in total, whichever process's sweep reaches it.
 */
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { connectionFromUrl } from "../../src/adapters/queue/connection.js";
import { startTemplateSchedule } from "../../src/adapters/queue/template-schedule.js";
import { createStores } from "../../src/bot/compose/stores.js";
import { sweepExpired } from "../../src/services/approvals/sweep.js";
import type { JobDefinition } from "../../src/services/jobs/definition.js";
import type { Notifier } from "../../src/services/ports.js";
import type { MessageRef } from "../../src/services/vocabulary/identity.js";
import { request, T0 } from "../approvals/fixtures.js";
import { harness } from "../jobs/harness.js";
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

describe("the template schedule in several worker processes", () => {
  it("starts one refresh per tick although three workers registered and serve it", async () => {
    // A stand-in for the matrix job: this test counts the jobs the ticks start, not what they do.
    const matrix: JobDefinition = {
      type: "template.matrix",
      parse: (raw) => raw as never,
      title: () => "Scheduled refresh of all templates",
      steps: [{ name: "noop", label: "nothing", run: async () => {} }],
    };
    const h = harness([matrix]);
    const schedules = await Promise.all(
      [0, 1, 2].map(() =>
        startTemplateSchedule({
          connection: connectionFromUrl(REDIS_URL),
          prefix: h.prefix,
          repeat: { every: 300 },
          channel: "console:builds",
          jobs: h.queue,
          log: h.log,
        }),
      ),
    );
    const started = Date.now();
    await new Promise((r) => setTimeout(r, 2400));
    for (const s of schedules) await s.close();
    const elapsed = Date.now() - started;
    const cards = h.chat.posts.filter((p) => p.conversation.channelId === "builds");
    const ids = new Set(cards.map((p) => p.reply.jobId));
    expect(ids.size).toBe(cards.length);
    expect(cards.length).toBeGreaterThanOrEqual(3);
    // One per 300 ms tick at most (plus the first, due at once): three schedulers would triple it.
    expect(cards.length).toBeLessThanOrEqual(Math.ceil(elapsed / 300) + 1);
    await h.close();
  }, 20_000);
});
