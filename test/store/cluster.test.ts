/**
 * The bot's Redis-facing parts against a real 3-master Redis Cluster started on loopback: the approval
 * decide script, the audit stream, the build semaphore, VMID reservations, the replay guard and a job
 * through BullMQ, all under a hash-tagged prefix. A prefix without a hash tag is shown to break the
 * decide script (CROSSSLOT), which is why a Cluster deployment's prefix is always tagged.
 */
import { randomUUID } from "node:crypto";
import { Cluster } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pingRedis } from "../../src/adapters/store/redis.js";
import { clusterPrefix } from "../../src/adapters/store/redis-target.js";
import { RedisReplayGuard } from "../../src/adapters/store/replay-guard.js";
import { createStores, type OpenStore, openStore } from "../../src/bot/compose/stores.js";
import { request, T0 } from "../approvals/fixtures.js";
import { startTestCluster, type TestCluster } from "../helpers/redis-cluster.js";
import { harness } from "../jobs/harness.js";
import { buildJob, newCalls } from "../jobs/sample-job.js";
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
});
