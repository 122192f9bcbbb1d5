import type { Redis } from "ioredis";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RedisApprovalStore } from "../../src/adapters/store/approval-store.js";
import { configSchema } from "../../src/bot/config/schema.js";
import { decideApproval } from "../../src/services/approvals/decide.js";
import { argsHash, canonicalJson, openApproval, policyFor } from "../../src/services/approvals/policy.js";
import { Rbac } from "../../src/services/rbac.js";
import { actor, conversation, dropPrefix, testRedis, uniquePrefix } from "../store/helpers.js";
import { request, store, T0 } from "./fixtures.js";

const config = configSchema.parse({
  rbac: {
    bindings: [
      { role: "viewer", subjects: ["slack:user:UVIEW"] },
      { role: "operator", subjects: ["slack:user:UOPS", "slack:user:UALICE"] },
      { role: "approver", subjects: ["slack:group:SAPPROVERS", "slack:user:UCAROL"] },
      { role: "admin", subjects: ["slack:user:UADMIN"] },
    ],
  },
  approvals: {
    default: { required: 1, expiry: "15m" },
    commands: { "vm.destroy": { required: 2, expiry: "5m", approvers: ["slack:group:SSENIOR"] } },
  },
});
const rbac = new Rbac(config.rbac);

const bob = actor("UBOB", { name: "bob", groups: ["SAPPROVERS"] });
const senior = actor("USEN", { name: "sen", groups: ["SAPPROVERS", "SSENIOR"] });

describe("policyFor", () => {
  it("uses the command's own policy over the default", () => {
    expect(policyFor("vm.destroy", config.approvals)).toEqual({
      required: 2,
      expiresInMs: 300_000,
      approverSubjects: ["slack:group:SSENIOR"],
    });
    expect(policyFor("template.delete", config.approvals)).toEqual({
      required: 1,
      expiresInMs: 900_000,
      approverSubjects: [],
    });
    expect(policyFor("constructor", config.approvals).required).toBe(1);
  });
});

describe("argsHash", () => {
  it("ignores key order and undefined members but not values", () => {
    const a = argsHash("template.delete", { vmid: 9000, opts: { b: 1, a: [1, 2] }, gone: undefined });
    const b = argsHash("template.delete", { opts: { a: [1, 2], b: 1 }, vmid: 9000 });
    expect(a).toBe(b);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(argsHash("template.delete", { vmid: 9001 })).not.toBe(argsHash("template.delete", { vmid: 9000 }));
    expect(argsHash("template.build", { vmid: 9000 })).not.toBe(argsHash("template.delete", { vmid: 9000 }));
  });

  it("refuses values JSON cannot carry", () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(/args.n is NaN/);
    expect(() => canonicalJson({ d: new Date(0) })).toThrow(/non-plain object/);
  });
});

describe("openApproval", () => {
  it("binds the request to the normalized args and the policy's expiry", () => {
    const r = openApproval({
      command: "vm.destroy",
      args: { vmid: 100, node: "pve1" },
      requester: actor("UALICE"),
      conversation,
      requestId: "req-9",
      policy: policyFor("vm.destroy", config.approvals),
      now: T0,
    });
    expect(r).toMatchObject({ status: "pending", approvals: [], createdAt: T0, expiresAt: T0 + 300_000 });
    expect(r.argsHash).toBe(argsHash("vm.destroy", { node: "pve1", vmid: 100 }));
    expect(r.id).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(() => request({ id: "bad id" })).toThrow(/approval id/);
    expect(() => request({ policy: { required: 0 } })).toThrow(/required/);
  });
});

describe("decideApproval", () => {
  let redis: Redis;
  let prefix: string;
  let approvals: RedisApprovalStore;
  beforeEach(() => {
    redis = testRedis();
    prefix = uniquePrefix();
    approvals = store(redis, prefix);
  });
  afterEach(async () => {
    await dropPrefix(redis, prefix);
    redis.disconnect();
  });

  const decide = (
    who: ReturnType<typeof actor>,
    id: string,
    extra: { verdict?: "approve" | "deny"; now?: number; reason?: string } = {},
  ) =>
    decideApproval({
      store: approvals,
      rbac,
      actor: who,
      approvalId: id,
      verdict: extra.verdict ?? "approve",
      now: extra.now ?? T0 + 60_000,
      ...(extra.reason === undefined ? {} : { reason: extra.reason }),
    });

  it("refuses viewers, operators and unbound users at click time, changing nothing", async () => {
    const r = request();
    await approvals.create(r);
    const viewer = await decide(actor("UVIEW"), r.id);
    expect(viewer).toEqual({
      ok: false,
      code: "E_FORBIDDEN",
      message:
        "Approving or denying needs the approver role; your role is viewer. Ask an admin to bind you in the bot's rbac config.",
    });
    expect(await decide(actor("UOPS"), r.id)).toMatchObject({ ok: false, code: "E_FORBIDDEN" });
    expect((await decide(actor("UNOBODY"), r.id, { verdict: "deny" })) as { message: string }).toMatchObject({
      message: expect.stringContaining("you have no role"),
    });
    expect(await approvals.get(r.id)).toEqual(r);
  });

  it("refuses the requester even when they hold the approver role", async () => {
    const r = request();
    await approvals.create(r);
    const carolRequest = { ...request({ id: "carol-req-1" }), requester: actor("UCAROL", { name: "carol" }) };
    await approvals.create(carolRequest);
    expect(await decide(actor("UCAROL", { name: "carol" }), carolRequest.id)).toEqual({
      ok: false,
      code: "E_SELF_APPROVAL",
      message: "You requested `template delete`, so you cannot decide it; another approver has to.",
      request: carolRequest,
    });
  });

  it("holds approvers to the policy's approver groups, admins included", async () => {
    const r = request({ policy: { approverSubjects: ["slack:group:SSENIOR"] } });
    await approvals.create(r);
    const outsider = await decide(bob, r.id);
    expect(outsider).toMatchObject({ ok: false, code: "E_FORBIDDEN" });
    expect((outsider as { message: string }).message).toBe(
      "Only approvers in slack:group:SSENIOR may decide `template delete`; you are not in any of them.",
    );
    expect(await decide(actor("UADMIN"), r.id)).toMatchObject({ ok: false, code: "E_FORBIDDEN" });
    expect(await decide(senior, r.id)).toMatchObject({ ok: true, kind: "approved" });
  });

  it("records the first of two approvals, then approves", async () => {
    const r = request({ policy: { required: 2 } });
    await approvals.create(r);
    expect(await decide(bob, r.id)).toMatchObject({
      ok: true,
      kind: "recorded",
      remaining: 1,
      message: "Your approval is recorded; 1 more approval needed before `template delete` runs.",
    });
    const dup = await decide(bob, r.id);
    expect(dup).toMatchObject({
      ok: false,
      code: "E_APPROVAL_DUPLICATE",
      message: "bob, you already approved this request; it needs 1 more approval from other approvers.",
    });
    expect(await decide(actor("UCAROL", { name: "carol" }), r.id)).toMatchObject({
      ok: true,
      kind: "approved",
    });
    expect(await decide(senior, r.id)).toMatchObject({
      ok: false,
      code: "E_APPROVAL_DECIDED",
      message: "This request was already approved by bob and carol at 2026-11-26 04:01 UTC.",
    });
  });

  it("explains an expired request and a denied one", async () => {
    const r = request();
    await approvals.create(r);
    expect(await decide(bob, r.id, { now: r.expiresAt + 1 })).toMatchObject({
      ok: false,
      code: "E_APPROVAL_EXPIRED",
      message:
        "This request expired at 2026-11-26 04:15 UTC; `template delete` will not run. Run the command again to ask anew.",
    });
    const d = request({ id: "deny-me-1" });
    await approvals.create(d);
    const denied = await decide(bob, d.id, { verdict: "deny", reason: "  not\nduring   business hours " });
    expect(denied).toMatchObject({
      ok: true,
      kind: "denied",
      request: { reason: "not during business hours" },
    });
    expect(await decide(senior, d.id)).toMatchObject({
      code: "E_APPROVAL_DECIDED",
      message: "This request was already denied by bob at 2026-11-26 04:01 UTC (not during business hours).",
    });
  });

  it("reads a request closed by the sweep as expired, and unknown ids as unknown", async () => {
    const r = request();
    await approvals.create(r);
    await approvals.expireDue(r.expiresAt);
    expect(await decide(bob, r.id, { now: T0 + 1 })).toMatchObject({ ok: false, code: "E_APPROVAL_EXPIRED" });
    expect(await decide(bob, "nosuchreq1")).toMatchObject({ ok: false, code: "E_APPROVAL_NOT_FOUND" });
    expect(await decide(bob, "x:y")).toMatchObject({ ok: false, code: "E_APPROVAL_NOT_FOUND" });
  });
});
