/**
 * The bot's Redis-facing parts against a real 3-master Redis Cluster started on loopback: the approval
 * decide script, the audit stream, the build semaphore, VMID reservations, the replay guard and a job
 * through BullMQ, the alert store, the durable outbox and the escalation timers, all under a hash-tagged
 * prefix (and no key outside it). A prefix without a hash tag is shown to break the decide script
 * (CROSSSLOT), which is why a Cluster deployment's prefix is always tagged.
 */
import { randomUUID } from "node:crypto";
import { Cluster } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAlertEscalations } from "../../src/adapters/queue/alert-escalations.js";
import { bullPrefixFor, closeQueueConnection, queueConnection } from "../../src/adapters/queue/connection.js";
import { RedisAlertStore } from "../../src/adapters/store/alert-store.js";
import { RedisOutbox } from "../../src/adapters/store/outbox/redis-outbox.js";
import { pingRedis } from "../../src/adapters/store/redis.js";
import { RedisHealth } from "../../src/adapters/store/redis-health.js";
import { clusterPrefix, scanKeys } from "../../src/adapters/store/redis-target.js";
import { RedisReplayGuard } from "../../src/adapters/store/replay-guard.js";
import { createStores, type OpenStore, openStore } from "../../src/bot/compose/stores.js";
import type { EscalationTimer } from "../../src/services/alerts/escalation.js";
import { silentLog } from "../../src/services/log.js";
import { T0 as ALERT_T0, alertOf, batchOf, routedTo } from "../alerts/batches.js";
import { request, T0 } from "../approvals/fixtures.js";
import { startTestCluster, type TestCluster } from "../helpers/redis-cluster.js";
import { harness } from "../jobs/harness.js";
import { buildJob, newCalls } from "../jobs/sample-job.js";
import { deferred, recordingSender } from "../outbox/helpers.js";
import { actor, dropPrefix, memoryLog } from "./helpers.js";

let cluster: TestCluster;
let store: OpenStore;

beforeAll(async () => {
  cluster = await startTestCluster();
  store = await openStore(cluster.url, { log: memoryLog(), timeoutMs: 10_000 });
}, 60_000);

afterAll(async () => {
  store?.close();
  await cluster?.stop();
});

const tagged = () => clusterPrefix(`test:${randomUUID()}:`);
/** Every key on the cluster that is not under a test's tagged prefix: a key built without the prefix. */
async function strayKeys(): Promise<string[]> {
  const stray: string[] = [];
  await scanKeys(store.redis, "*", (keys) => {
    stray.push(...keys.filter((k) => !k.startsWith("{test:")));
  });
  return stray;
}

const approve = (id: string, at = T0 + 1000) => ({
  actor: actor(id, { name: id }),
  verdict: "approve" as const,
  at,
});

describe("on a 3-master Redis Cluster", () => {
  it("spreads unrelated keys over the masters, so the test would catch a cross-slot operation", async () => {
    const slots = new Set<number>();
    for (const key of ["a", "b", "c", "d", "e", "f"])
      slots.add(Number(await store.redis.cluster("KEYSLOT", key)));
    expect(slots.size).toBeGreaterThan(1);
    expect(store.redis).toBeInstanceOf(Cluster);
    expect(await pingRedis(cluster.url, 3000)).toMatchObject({ ok: true });
  });

  it("decides an approval exactly once among 30 concurrent approvers", async () => {
    const prefix = tagged();
    const { approvals } = createStores(store.redis, { prefix });
    const r = request({ id: `c${randomUUID().slice(0, 8)}` });
    await approvals.create(r);
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => approvals.decide(r.id, approve(`U${i}`))),
    );
    expect(results.filter((x) => x.kind === "approved")).toHaveLength(1);
    expect((await approvals.get(r.id))?.status).toBe("approved");
    expect(await approvals.listPending()).toEqual([]);
    await dropPrefix(store.redis, prefix);
  });

  it("expires due requests with the sweep script", async () => {
    const prefix = tagged();
    const { approvals } = createStores(store.redis, { prefix });
    const r = request({ policy: { expiresInMs: 1000 } });
    await approvals.create(r);
    const expired = await approvals.expireDue(T0 + 5000);
    expect(expired.map((x) => x.id)).toEqual([r.id]);
    expect(await approvals.expireDue(T0 + 5000)).toEqual([]);
    await dropPrefix(store.redis, prefix);
  });

  it("refuses the decide script under a prefix without a hash tag (keys in two slots)", async () => {
    const prefix = `test:${randomUUID()}:`;
    const { approvals } = createStores(store.redis, { prefix });
    const r = request();
    // The create script touches the hash and the pending set: different slots without a tag.
    await expect(approvals.create(r)).rejects.toThrow(/CROSSSLOT/);
  });

  it("appends and reads the audit stream, once per record", async () => {
    const prefix = tagged();
    const { audit } = createStores(store.redis, { prefix });
    const record = { at: T0, kind: "invocation" as const, requestId: "r1", outcome: "ok", command: "vms" };
    await audit.append(record);
    await audit.append(record);
    const found = await audit.query({ limit: 10 });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ requestId: "r1", outcome: "ok" });
    await dropPrefix(store.redis, prefix);
  });

  it("holds a semaphore's limit and reserves VMIDs once", async () => {
    const prefix = tagged();
    const { semaphore, reservations } = createStores(store.redis, { prefix, semaphorePollMs: 20 });
    const a = await semaphore.acquire("node:pve1", 2, { owner: "a" });
    const b = await semaphore.acquire("node:pve1", 2, { owner: "b" });
    const aborted = new AbortController();
    const third = semaphore.acquire("node:pve1", 2, { owner: "c", signal: aborted.signal });
    await new Promise((r) => setTimeout(r, 150));
    expect(await semaphore.holders("node:pve1")).toHaveLength(2);
    await a.release();
    const c = await third;
    expect(await semaphore.holders("node:pve1")).toHaveLength(2);
    await b.release();
    await c.release();

    expect(await reservations.reserve(9100, "job-1", 10_000)).toBe(true);
    expect(await reservations.reserve(9100, "job-2", 10_000)).toBe(false);
    expect([...(await reservations.reserved(9000, 9999))]).toEqual([9100]);
    await reservations.release(9100, "job-1");
    expect(await reservations.reserve(9100, "job-2", 10_000)).toBe(true);
    await dropPrefix(store.redis, prefix);
  });

  it("claims a replay key once", async () => {
    const prefix = tagged();
    const guard = RedisReplayGuard.connect(cluster.url, prefix, { log: memoryLog() });
    expect(await guard.claim("slack:sig:1", 5000)).toBe(true);
    expect(await guard.claim("slack:sig:1", 5000)).toBe(false);
    await guard.close();
    await dropPrefix(store.redis, prefix);
  });

  it("runs a job through BullMQ on the cluster to a completed card", async () => {
    const prefix = tagged();
    const calls = newCalls();
    const h = harness([buildJob(calls)], { redisUrl: cluster.url, keyPrefix: prefix });
    try {
      h.startWorker();
      const started = await h.start("template.build", { vmid: 9001 });
      const info = await h.queue.waitUntilFinished(started.id, 20_000);
      expect(info).toMatchObject({ state: "completed", attempts: 1 });
      expect(calls.steps.map((s) => s.name)).toEqual(["create", "import", "convert"]);
      expect(h.chat.last(started.message!.messageId)?.tone).toBe("success");
    } finally {
      await h.close();
      await dropPrefix(store.redis, prefix);
    }
  }, 30_000);

  it("ingests an alert group and lets exactly one of 20 concurrent acks win", async () => {
    const prefix = tagged();
    const alerts = new RedisAlertStore(store.redis, { prefix });
    const ops = { platform: "slack" as const, channelId: "COPS" };
    const first = await alerts.ingest(batchOf([alertOf("pve1")]), routedTo("infra", ops));
    const grown = await alerts.ingest(
      batchOf([alertOf("pve1"), alertOf("pve2")], { receivedAt: ALERT_T0 + 1000 }),
      routedTo("infra", ops),
    );
    expect(grown.group.id).toBe(first.group.id);
    expect(Object.keys(grown.group.alerts)).toHaveLength(2);
    expect(await alerts.dirty(10)).toEqual([first.group.id]);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        alerts.ack(first.group.id, { platform: "slack", id: `U${i}`, name: `u${i}` }, ALERT_T0 + 2000 + i),
      ),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok && r.reason === "already-acked")).toHaveLength(19);
    await alerts.attachMessage(first.group.id, {
      route: "infra",
      conversation: ops,
      message: { platform: "slack", channelId: "COPS", messageId: "1.1" },
    });
    const stored = await alerts.get(first.group.id);
    await alerts.markRendered(first.group.id, stored!.version);
    expect(await alerts.dirty(10)).toEqual([]);
    expect((await alerts.list({}, ALERT_T0 + 3000)).map((g) => g.id)).toEqual([first.group.id]);
    expect(stored?.messages[0]?.message?.messageId).toBe("1.1");
    expect(await strayKeys()).toEqual([]);
    await dropPrefix(store.redis, prefix);
  });

  it("sends outbox posts, keyed posts and edits in order while one process holds the lane's lease", async () => {
    const prefix = tagged();
    const retry = { maxAttempts: 3, backoffMs: 20, maxRetryAfterMs: 5000 };
    const options = { prefix, log: silentLog, retry, leaseMs: 1000, pollMs: 50 };
    const sender = recordingSender();
    const hold = deferred();
    let held = false;
    sender.before = async () => {
      if (held) return;
      held = true;
      await hold.promise;
    };
    const a = new RedisOutbox(store.redis, sender, options);
    const b = new RedisOutbox(store.redis, sender, options);
    const conversation = { platform: "console" as const, channelId: "C1" };
    try {
      const first = a.post(conversation, { text: "one" });
      await new Promise((r) => setTimeout(r, 200));
      // The first send is on hold: the lane is leased, so the second process's items queue behind it.
      const lease = await store.redis.get(`${prefix}outbox:console:lease:C1`);
      expect(lease).toBeTruthy();
      const keyed = b.post(conversation, { text: "two" }, { key: "card:1" });
      await new Promise((r) => setTimeout(r, 200));
      expect(sender.sent).toHaveLength(0);
      hold.resolve();
      const ref1 = await first;
      const ref2 = await keyed;
      await b.update(ref1, { text: "one, edited" });
      // The same key again edits the first keyed message instead of posting.
      expect(await a.post(conversation, { text: "two, edited" }, { key: "card:1" })).toEqual(ref2);
      expect(sender.sent.map((d) => `${d.kind}:${d.reply.text}`)).toEqual([
        "post:one",
        "post:two",
        "update:one, edited",
        "update:two, edited",
      ]);
      expect(await strayKeys()).toEqual([]);
    } finally {
      hold.resolve();
      await a.close();
      await b.close();
      await dropPrefix(store.redis, prefix);
    }
  });

  it("runs an escalation timer as a BullMQ delayed job, once, though two processes schedule it", async () => {
    const prefix = tagged();
    const health = new RedisHealth({ log: silentLog });
    const connection = queueConnection(cluster.url, health);
    const fired: EscalationTimer[] = [];
    const clock = { now: () => Date.now() };
    const queues = [true, false].map((worker) =>
      startAlertEscalations(
        {
          connection,
          prefix: bullPrefixFor(prefix),
          fire: async (t) => void fired.push(t),
          clock,
          log: silentLog,
        },
        worker,
      ),
    );
    try {
      const timer = { groupId: "abcd1234", episode: ALERT_T0, round: 1, at: Date.now() + 400 };
      await Promise.all(queues.map((q) => q.schedule(timer)));
      const deadline = Date.now() + 10_000;
      while (fired.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 500));
      expect(fired).toEqual([timer]);
      expect(await strayKeys()).toEqual([]);
    } finally {
      for (const q of queues) await q.close();
      await closeQueueConnection(connection);
      health.close();
      await dropPrefix(store.redis, prefix);
    }
  }, 30_000);
});
