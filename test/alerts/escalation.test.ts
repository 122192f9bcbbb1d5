/**
 * Escalation: with a controlled clock and recorded timers, a firing group is re-announced with the route's
 * on-call mentions up to `times`, and ack, silence or resolve stops it; then on real BullMQ (real Redis,
 * unique prefix), two bot processes schedule the same timers and each round is announced exactly once.
 */
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import {
  type AlertEscalationQueue,
  startAlertEscalations,
} from "../../src/adapters/queue/alert-escalations.js";
import { connectionFromUrl } from "../../src/adapters/queue/connection.js";
import { type EscalationTimer, Escalator, oncallMention } from "../../src/services/alerts/escalation.js";
import type { AlertRoutePolicy } from "../../src/services/alerts/model.js";
import { silentLog } from "../../src/services/log.js";
import { REDIS_URL } from "../helpers/dispatcher-harness.js";
import { MemoryAlertStore } from "../helpers/memory-alert-store.js";
import { alertOf, batchOf, routedTo, T0 } from "./batches.js";
import { ThreadedNotifier } from "./chat.js";

const ops = { platform: "slack" as const, channelId: "C1" };
const POLICY: AlertRoutePolicy = {
  name: "infra",
  oncall: ["slack:group:S0NCALL", "slack:user:U42"],
  role: "operator",
  escalate: { afterMs: 10 * 60_000, times: 2 },
};
const MIN = 60_000;

function rig() {
  const store = new MemoryAlertStore();
  const chat = new ThreadedNotifier();
  const scheduled: EscalationTimer[] = [];
  let now = T0;
  const escalator = new Escalator({
    store,
    notifiers: { slack: chat },
    policyFor: () => POLICY,
    timers: { schedule: async (t) => void scheduled.push(t) },
    clock: { now: () => now },
    log: silentLog,
  });
  const fireGroup = async () => {
    const result = await store.ingest(batchOf([alertOf("pve1")]), routedTo("infra", ops));
    await escalator.plan(result.group);
    return result.group.id;
  };
  return { store, chat, scheduled, escalator, fireGroup, at: (ms: number) => (now = ms) };
}

describe("escalation with a controlled clock", () => {
  it("re-announces an unacknowledged group with the on-call mentions, at most `times` times", async () => {
    const r = rig();
    const id = await r.fireGroup();
    expect(r.scheduled).toEqual([{ groupId: id, episode: T0, round: 1, at: T0 + 10 * MIN }]);
    r.at(T0 + 10 * MIN);
    expect(await r.escalator.fire(r.scheduled[0]!)).toBe("announced");
    const [announcement] = r.chat.inChannel("C1");
    expect(announcement!.text).toBe(
      `‹@group:slack:S0NCALL|S0NCALL› ‹@user:slack:U42|U42›\nAlert group ${id} is firing unacknowledged (reminder 1 of 2).`,
    );
    expect(announcement!.buttons![0]!.id).toBe(`alert:${id}:ack`);
    // The same timer again (a retry after a crash) neither counts nor posts.
    expect(await r.escalator.fire(r.scheduled[0]!)).toBe("done-before");
    expect(r.chat.calls.filter((c) => c.startsWith("post"))).toHaveLength(1);
    expect(r.scheduled[1]).toEqual({ groupId: id, episode: T0, round: 2, at: T0 + 20 * MIN });
    r.at(T0 + 20 * MIN);
    expect(await r.escalator.fire(r.scheduled[1]!)).toBe("announced");
    expect(r.scheduled).toHaveLength(2);
    expect((await r.store.get(id))!.escalations).toBe(2);
  });

  it.each([
    [
      "ack",
      (s: MemoryAlertStore, id: string) => s.ack(id, { platform: "slack", id: "U1", name: "ada" }, T0 + MIN),
    ],
    [
      "silence",
      (s: MemoryAlertStore, id: string) =>
        s.setSilence(id, {
          id: "s1",
          by: { platform: "slack", id: "U1", name: "ada" },
          at: T0,
          until: T0 + 99 * MIN,
          comment: "",
        }),
    ],
    [
      "resolve",
      (s: MemoryAlertStore) =>
        s.ingest(batchOf([alertOf("pve1", { status: "resolved" })]), routedTo("infra", ops)),
    ],
  ])("stops on %s", async (_name, change) => {
    const r = rig();
    const id = await r.fireGroup();
    await change(r.store, id);
    r.at(T0 + 10 * MIN);
    expect(await r.escalator.fire(r.scheduled[0]!)).toBe("stopped");
    expect(r.chat.calls).toEqual([]);
    expect((await r.store.get(id))!.escalations).toBe(0);
  });

  it("a group that resolved and fires again starts a new episode; old timers do nothing", async () => {
    const r = rig();
    const id = await r.fireGroup();
    const old = r.scheduled[0]!;
    await r.store.ingest(batchOf([alertOf("pve1", { status: "resolved" })]), routedTo("infra", ops));
    const again = await r.store.ingest(
      batchOf([alertOf("pve1", { startsAt: T0 + 5 * MIN })], { receivedAt: T0 + 5 * MIN }),
      routedTo("infra", ops),
    );
    await r.escalator.plan(again.group);
    r.at(T0 + 10 * MIN);
    expect(await r.escalator.fire(old)).toBe("stopped");
    expect(r.scheduled[1]).toEqual({ groupId: id, episode: T0 + 5 * MIN, round: 1, at: T0 + 15 * MIN });
  });

  it("names on-call subjects as mention tokens and leaves out what is not a subject", () => {
    expect(oncallMention("discord:role:123")).toBe("‹@group:discord:123|123›");
    expect(oncallMention("oncall-team")).toBeUndefined();
  });
});

describe("escalation timers on BullMQ", () => {
  let queues: AlertEscalationQueue[] = [];
  afterEach(async () => {
    await Promise.all(queues.map((q) => q.close()));
    queues = [];
  });

  it("two processes schedule the same rounds; each round is announced exactly once", {
    timeout: 30_000,
  }, async () => {
    const store = new MemoryAlertStore();
    const chat = new ThreadedNotifier();
    const prefix = `test:${randomUUID()}:bull`;
    const policy = { ...POLICY, escalate: { afterMs: 300, times: 3 } };
    const result = await store.ingest(
      batchOf([alertOf("pve1")], { receivedAt: Date.now() }),
      routedTo("infra", ops),
    );
    const escalators: Escalator[] = [];
    for (let p = 0; p < 2; p++) {
      const clock = { now: () => Date.now() };
      const timers = startAlertEscalations({
        connection: connectionFromUrl(REDIS_URL),
        prefix,
        fire: (t) => escalators[p]!.fire(t),
        clock,
        log: silentLog,
      });
      queues.push(timers);
      escalators.push(
        new Escalator({
          store,
          notifiers: { slack: chat },
          policyFor: () => policy,
          timers,
          clock,
          log: silentLog,
        }),
      );
    }
    await Promise.all(escalators.map((e) => e.plan(result.group)));
    const deadline = Date.now() + 15_000;
    while ((await store.get(result.group.id))!.escalations < 3 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 800));
    expect((await store.get(result.group.id))!.escalations).toBe(3);
    expect(chat.inChannel("C1").map((m) => m.text!.split("\n")[1])).toEqual(
      [1, 2, 3].map((n) => `Alert group ${result.group.id} is firing unacknowledged (reminder ${n} of 3).`),
    );
  });
});
