import { Redis } from "ioredis";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RedisApprovalStore } from "../../src/adapters/store/approval-store.js";
import type { DecideResult } from "../../src/services/approvals/model.js";
import { actor, dropPrefix, REDIS_URL, testRedis, uniquePrefix } from "../store/helpers.js";
import { request, store, T0 } from "./fixtures.js";

let redis: Redis;
let prefix: string;
let approvals: RedisApprovalStore;
const extra: Redis[] = [];

beforeEach(() => {
  redis = testRedis();
  prefix = uniquePrefix();
  approvals = store(redis, prefix);
});

afterEach(async () => {
  await dropPrefix(redis, prefix);
  for (const c of extra.splice(0)) c.disconnect();
  redis.disconnect();
});

const bob = actor("UBOB", { name: "bob" });
const carol = actor("UCAROL", { name: "carol" });
const alice = actor("UALICE", { name: "alice" });
const approve = (who = bob, at = T0 + 1000) => ({ actor: who, verdict: "approve" as const, at });

describe("RedisApprovalStore", () => {
  it("stores a request and reads it back unchanged", async () => {
    const r = request();
    await approvals.create(r);
    expect(await approvals.get(r.id)).toEqual(r);
    expect(await approvals.get("missing-id")).toBeUndefined();
    expect(await approvals.get("bad id!")).toBeUndefined();
    await expect(approvals.create(r)).rejects.toThrow(/already exists/);
  });

  it("refuses self-approval and records nothing", async () => {
    const r = request();
    await approvals.create(r);
    const result = await approvals.decide(r.id, approve(alice));
    expect(result).toMatchObject({ kind: "refused", code: "E_SELF_APPROVAL" });
    expect((await approvals.get(r.id))?.approvals).toEqual([]);
    // Same id on another platform is a different person.
    expect(await approvals.decide(r.id, approve({ ...alice, platform: "discord" }))).toMatchObject({
      kind: "approved",
    });
  });

  it("needs two distinct approvers when the policy says two", async () => {
    const r = request({ policy: { required: 2 } });
    await approvals.create(r);
    const first = await approvals.decide(r.id, approve(bob));
    expect(first).toMatchObject({ kind: "recorded", remaining: 1 });
    expect(await approvals.decide(r.id, approve(bob, T0 + 1500))).toMatchObject({
      kind: "refused",
      code: "E_APPROVAL_DUPLICATE",
    });
    const second = await approvals.decide(r.id, approve(carol, T0 + 2000));
    expect(second.kind).toBe("approved");
    if (second.kind !== "approved") return;
    expect(second.request.approvals).toEqual([
      { actor: bob, at: T0 + 1000 },
      { actor: carol, at: T0 + 2000 },
    ]);
    expect(second.request).toMatchObject({ status: "approved", decidedBy: carol, decidedAt: T0 + 2000 });
    expect(await approvals.listPending()).toEqual([]);
  });

  it("denies with a reason, and later clicks see the decision", async () => {
    const r = request();
    await approvals.create(r);
    const denied = await approvals.decide(r.id, {
      actor: bob,
      verdict: "deny",
      reason: "not today",
      at: T0 + 5,
    });
    expect(denied).toMatchObject({
      kind: "denied",
      request: { status: "denied", decidedBy: bob, decidedAt: T0 + 5, reason: "not today" },
    });
    const late = await approvals.decide(r.id, approve(carol));
    expect(late).toMatchObject({
      kind: "refused",
      code: "E_APPROVAL_DECIDED",
      request: { status: "denied" },
    });
    const ttl = await redis.pttl(`${prefix}approval:${r.id}`);
    expect(ttl).toBeGreaterThan(6 * 24 * 3_600_000);
    expect(ttl).toBeLessThanOrEqual(7 * 24 * 3_600_000);
  });

  it("refuses a vote at or after expiry and marks the request expired", async () => {
    const r = request();
    await approvals.create(r);
    const result = await approvals.decide(r.id, approve(bob, r.expiresAt));
    expect(result).toMatchObject({
      kind: "refused",
      code: "E_APPROVAL_EXPIRED",
      request: { status: "expired" },
    });
    expect((await approvals.get(r.id))?.status).toBe("expired");
    expect(await approvals.listPending()).toEqual([]);
    expect(await approvals.decide(r.id, approve(bob, r.expiresAt - 1))).toMatchObject({
      code: "E_APPROVAL_DECIDED",
    });
  });

  it("answers not-found for unknown or malformed ids", async () => {
    expect(await approvals.decide("nosuchreq1", approve())).toEqual({
      kind: "refused",
      code: "E_APPROVAL_NOT_FOUND",
    });
    expect(await approvals.decide("../etc", approve())).toEqual({
      kind: "refused",
      code: "E_APPROVAL_NOT_FOUND",
    });
  });

  it("attaches the card's message ref, and refuses to attach to a missing request", async () => {
    const r = request();
    await approvals.create(r);
    const message = { platform: "slack" as const, channelId: "C0OPS", messageId: "1700000000.000100" };
    await approvals.attachMessage(r.id, message);
    expect((await approvals.get(r.id))?.message).toEqual(message);
    await expect(approvals.attachMessage("nosuchreq1", message)).rejects.toThrow(/gone/);
    expect(await redis.exists(`${prefix}approval:nosuchreq1`)).toBe(0);
  });

  it("lists pending requests oldest first and expires exactly the due ones, once", async () => {
    const early = request({ now: T0, policy: { expiresInMs: 60_000 } });
    const late = request({ now: T0 + 10, policy: { expiresInMs: 3_600_000 } });
    const middle = request({ now: T0 + 5, policy: { expiresInMs: 120_000 } });
    for (const r of [late, early, middle]) await approvals.create(r);
    expect((await approvals.listPending()).map((r) => r.id)).toEqual([early.id, middle.id, late.id]);

    const expired = await approvals.expireDue(T0 + 200_000);
    expect(expired.map((r) => r.id).sort()).toEqual([early.id, middle.id].sort());
    expect(expired.every((r) => r.status === "expired")).toBe(true);
    expect(await approvals.expireDue(T0 + 200_000)).toEqual([]);
    expect((await approvals.listPending()).map((r) => r.id)).toEqual([late.id]);
    expect(await approvals.decide(early.id, approve())).toMatchObject({ code: "E_APPROVAL_DECIDED" });
  });

  it("expires more requests than one script batch holds", async () => {
    const batched = new RedisApprovalStore(redis, { prefix, expireBatch: 3 });
    for (let i = 0; i < 8; i++) await batched.create(request({ now: T0 + i }));
    expect(await batched.expireDue(T0 + 3_600_000)).toHaveLength(8);
  });

  it("lets a second store on a new connection decide a request created by the first", async () => {
    const r = request();
    await approvals.create(r);
    const other = new Redis(REDIS_URL);
    extra.push(other);
    expect(await store(other, prefix).decide(r.id, approve())).toMatchObject({ kind: "approved" });
    expect((await approvals.get(r.id))?.status).toBe("approved");
  });

  it("gives exactly one `approved` to 100 concurrent approvers on 10 connections", async () => {
    const r = request();
    await approvals.create(r);
    const stores = Array.from({ length: 10 }, () => {
      const c = new Redis(REDIS_URL);
      extra.push(c);
      return store(c, prefix);
    });
    const results: DecideResult[] = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        stores[i % 10]!.decide(r.id, approve(actor(`UAPPROVER${i}`), T0 + 1000 + i)),
      ),
    );
    expect(results.filter((x) => x.kind === "approved")).toHaveLength(1);
    expect(results.filter((x) => x.kind === "refused" && x.code === "E_APPROVAL_DECIDED")).toHaveLength(99);
    expect((await approvals.get(r.id))?.approvals).toHaveLength(1);
  });

  it("counts one approver clicking from 50 connections once", async () => {
    const r = request({ policy: { required: 2 } });
    await approvals.create(r);
    const clients = Array.from({ length: 50 }, () => {
      const c = new Redis(REDIS_URL);
      extra.push(c);
      return store(c, prefix);
    });
    const results = await Promise.all(clients.map((s) => s.decide(r.id, approve(bob))));
    expect(results.filter((x) => x.kind === "recorded")).toHaveLength(1);
    expect(results.filter((x) => x.kind === "refused" && x.code === "E_APPROVAL_DUPLICATE")).toHaveLength(49);
    expect(results.some((x) => x.kind === "approved")).toBe(false);
  });
});
