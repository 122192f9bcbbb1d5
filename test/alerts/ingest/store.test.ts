import type { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { parseAlertmanagerPayload } from "../../../src/adapters/grafana/alertmanager-payload.js";
import { RedisAlertStore } from "../../../src/adapters/store/alert-store.js";
import type { AlertActor, AlertBatch, AlertMessage } from "../../../src/services/alerts/model.js";
import { eachTestRedis } from "../../store/helpers.js";
import { amPayload } from "./fixtures.js";

let redis: Redis;
let prefix: string;
eachTestRedis((r, p) => {
  redis = r;
  prefix = p;
});

const T0 = Date.parse("2026-01-01T10:05:00Z");
const alice: AlertActor = { platform: "slack", id: "U1", name: "alice" };
const bob: AlertActor = { platform: "slack", id: "U2", name: "bob" };
const toOps = (): AlertMessage[] => [
  { route: "ops", conversation: { platform: "slack", channelId: "COPS" } },
];

function batch(body: unknown, at = T0): AlertBatch {
  const parsed = parseAlertmanagerPayload(body, { kind: "alertmanager", name: "am" }, at);
  if (!parsed.ok) throw new Error(parsed.problem.message);
  return parsed.batch;
}

function store(options: { retentionMs?: number } = {}) {
  return new RedisAlertStore(redis, { prefix, ...options });
}

describe("ingest", () => {
  it("creates a group with a short stable id, its messages, history and a dirty mark", async () => {
    const s = store();
    const result = await s.ingest(batch(amPayload("a", 3)), toOps);
    expect(result.changed).toBe(true);
    expect(result.group.id).toMatch(/^[0-9a-f]{8}$/);
    expect(result.group).toMatchObject({
      status: "firing",
      version: 1,
      firstFiringAt: Date.parse("2026-01-01T10:00:00Z"),
    });
    expect(Object.keys(result.group.alerts)).toHaveLength(3);
    expect(result.group.messages).toEqual(toOps());
    expect(result.added.map((h) => h.text)).toEqual(["Alerta on host0 firing (3 alerts)"]);
    expect(await s.dirty(10)).toEqual([result.group.id]);
    expect(await s.get(result.group.id)).toEqual(result.group);
    const again = await store().ingest(batch(amPayload("a", 1), T0 + 1), toOps);
    expect(again.group.id).toBe(result.group.id);
    const keys = await redis.keys(`${prefix}*`);
    expect(keys.every((k) => k.startsWith(prefix))).toBe(true);
  });

  it("the same alerts sent again change nothing: same version, no new history", async () => {
    const s = store();
    const first = await s.ingest(batch(amPayload("d", 5)), toOps);
    await s.markRendered(first.group.id, first.group.version);
    const again = await s.ingest(batch(amPayload("d", 5), T0 + 60_000), toOps);
    expect(again.changed).toBe(false);
    expect(again.added).toEqual([]);
    expect(await s.get(first.group.id)).toEqual(first.group);
    expect(await s.dirty(10)).toEqual([]);
  });

  it("adds new alerts, resolves the group when all resolve (with a retention TTL) and ignores a late firing", async () => {
    const s = store({ retentionMs: 3_600_000 });
    const { group } = await s.ingest(batch(amPayload("r", 1)), toOps);
    const added = await s.ingest(batch(amPayload("r", 2), T0 + 1000), toOps);
    expect(added.added.map((h) => h.kind)).toEqual(["alert-added"]);
    const resolved = await s.ingest(batch(amPayload("r", 2, { status: "resolved" }), T0 + 2000), toOps);
    expect(resolved.group).toMatchObject({
      status: "resolved",
      resolvedAt: Date.parse("2026-01-01T11:00:00Z"),
    });
    expect(resolved.added.map((h) => h.kind)).toEqual(["resolved"]);
    const ttl = await redis.pttl(`${prefix}alerts:group:${group.id}`);
    expect(ttl).toBeGreaterThan(3_500_000);
    const late = await s.ingest(batch(amPayload("r", 2), T0 + 3000), toOps);
    expect(late.changed).toBe(false);
    const refire = await s.ingest(
      batch(amPayload("r", 1, { startsAt: "2026-01-01T12:00:00Z" }), T0 + 4000),
      toOps,
    );
    expect(refire.group).toMatchObject({ status: "firing", escalations: 0 });
    expect(refire.group.resolvedAt).toBeUndefined();
    expect(Object.keys(refire.group.alerts)).toHaveLength(1);
    expect(await redis.pttl(`${prefix}alerts:group:${group.id}`)).toBe(-1);
  });

  it("a re-fire that also reports old resolved alerts is stored once; sending it again changes nothing", async () => {
    const s = store();
    await s.ingest(batch(amPayload("x", 2, { status: "resolved" })), toOps);
    const mixed = amPayload("x", 2, { status: "resolved" });
    const fresh = amPayload("x", 3, { startsAt: "2026-01-01T12:00:00Z" }).alerts[2]!;
    mixed.alerts.push(fresh);
    mixed.status = "firing";
    const first = await s.ingest(batch(mixed, T0 + 1), toOps);
    expect(first.group.status).toBe("firing");
    expect(first.added.map((h) => h.kind)).toEqual(["firing"]);
    const again = await s.ingest(batch(mixed, T0 + 2), toOps);
    expect(again.changed).toBe(false);
  });

  it("adds a conversation routing now names, keeping the refs already attached", async () => {
    const s = store();
    const { group } = await s.ingest(batch(amPayload("m", 1)), toOps);
    const ref = { platform: "slack" as const, channelId: "COPS", messageId: "1.2" };
    await s.attachMessage(group.id, { ...toOps()[0]!, message: ref });
    const stored = await s.get(group.id);
    expect(stored?.version).toBe(group.version);
    const more = () => [
      ...toOps(),
      { route: "db", conversation: { platform: "console" as const, channelId: "db" } },
    ];
    const result = await s.ingest(batch(amPayload("m", 1), T0 + 1), more);
    expect(result.changed).toBe(true);
    expect(result.group.messages).toEqual([{ ...toOps()[0], message: ref }, more()[1]]);
  });
});

describe("acks, silences, escalations", () => {
  it("concurrent acks: exactly one wins, the others are told who", async () => {
    const s = store();
    const { group } = await s.ingest(batch(amPayload("c", 2)), toOps);
    const actors = Array.from({ length: 10 }, (_, i) => ({
      platform: "slack" as const,
      id: `U${i}`,
      name: `user${i}`,
    }));
    // Separate stores on separate connections, as two bot processes would be.
    const clients = actors.map(() => redis.duplicate());
    try {
      const results = await Promise.all(
        actors.map((a, i) => new RedisAlertStore(clients[i]!, { prefix }).ack(group.id, a, T0 + i)),
      );
      const winners = results.filter((r) => r.ok);
      expect(winners).toHaveLength(1);
      const winner = winners[0]!.ok ? winners[0]!.group.ack!.by : undefined;
      for (const r of results.filter((x) => !x.ok)) {
        expect(r).toMatchObject({ ok: false, reason: "already-acked", ack: { by: winner } });
      }
      const stored = await s.get(group.id);
      expect(stored?.ack?.by).toEqual(winner);
      expect(stored?.history.filter((h) => h.kind === "acked")).toHaveLength(1);
    } finally {
      for (const c of clients) c.disconnect();
    }
  });

  it("unack, silence, unsilence and escalation each bump the version and mark the group dirty", async () => {
    const s = store();
    const { group } = await s.ingest(batch(amPayload("s", 1)), toOps);
    await s.markRendered(group.id, group.version);
    expect(await s.unack(group.id, alice, T0)).toEqual({ ok: false, reason: "not-acked" });
    expect((await s.ack(group.id, alice, T0)).ok).toBe(true);
    expect(await s.dirty(5)).toEqual([group.id]);
    const unacked = await s.unack(group.id, bob, T0 + 1);
    expect(unacked.ok && unacked.group.ack).toBeUndefined();
    const silence = { id: "sil-1", by: bob, at: T0 + 2, until: T0 + 3_600_000, comment: "maintenance" };
    const silenced = await s.setSilence(group.id, silence);
    expect(silenced?.silence).toEqual(silence);
    expect(silenced?.history.at(-1)?.text).toBe("silenced by bob until 2026-01-01T11:05:00Z");
    const cleared = await s.clearSilence(group.id, alice, T0 + 3);
    expect(cleared?.silence).toBeUndefined();
    expect(await s.clearSilence(group.id, alice, T0 + 4)).toEqual(cleared);
    const escalated = await s.recordEscalation(group.id, T0 + 5);
    expect(escalated?.escalations).toBe(1);
    expect(escalated?.version).toBe(group.version + 5);
    await s.markRendered(group.id, group.version + 4);
    expect(await s.dirty(5)).toEqual([group.id]);
    await s.markRendered(group.id, escalated!.version);
    expect(await s.dirty(5)).toEqual([]);
  });

  it("unknown ids and resolved groups are refused", async () => {
    const s = store();
    expect(await s.ack("deadbeef", alice, T0)).toEqual({ ok: false, reason: "not-found" });
    expect(await s.get("../x")).toBeUndefined();
    expect(
      await s.setSilence("deadbeef", { id: "x", by: alice, at: 0, until: 1, comment: "" }),
    ).toBeUndefined();
    const { group } = await s.ingest(batch(amPayload("q", 1, { status: "resolved" })), toOps);
    expect(await s.ack(group.id, alice, T0)).toEqual({ ok: false, reason: "resolved" });
  });
});

describe("list", () => {
  it("filters by state and labels, newest first", async () => {
    const s = store();
    const a = await s.ingest(batch(amPayload("1", 1, { labels: { team: "ops" } }), T0), toOps);
    const b = await s.ingest(batch(amPayload("2", 1, { labels: { team: "db" } }), T0 + 1), toOps);
    const c = await s.ingest(
      batch(amPayload("3", 1, { status: "resolved", labels: { team: "ops" } }), T0 + 2),
      toOps,
    );
    await s.ack(b.group.id, alice, T0 + 3);
    const ids = async (f: Parameters<RedisAlertStore["list"]>[0]) =>
      (await s.list(f, T0 + 10)).map((g) => g.id);
    expect(await ids({})).toEqual([b.group.id, c.group.id, a.group.id]);
    expect(await ids({ state: "acked" })).toEqual([b.group.id]);
    expect(await ids({ state: "firing" })).toEqual([a.group.id]);
    expect(await ids({ state: "resolved" })).toEqual([c.group.id]);
    expect(await ids({ labels: { team: "ops" } })).toEqual([c.group.id, a.group.id]);
    expect(await ids({ limit: 1 })).toEqual([b.group.id]);
    await redis.del(`${prefix}alerts:group:${c.group.id}`);
    expect(await ids({})).toEqual([b.group.id, a.group.id]);
    expect(await redis.zcard(`${prefix}alerts:index`)).toBe(2);
  });
});
