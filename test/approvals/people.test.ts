/**
 * One person, one approval: identities linked in config (`people:`) count as one person, in the store's
 * decide script (real Redis), in the approval service, and through the dispatcher, and cards name the
 * person rather than the account.
 */
import type { Redis } from "ioredis";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { deleteKeysWithPrefix } from "../../src/adapters/store/redis.js";
import { configSchema } from "../../src/bot/config/schema.js";
import { defineCommand } from "../../src/commands/definition.js";
import { whoami } from "../../src/commands/whoami.js";
import {
  approvalCard,
  decideApproval,
  openApproval,
  outcomeLine,
} from "../../src/services/approvals/index.js";
import { type Person, Rbac, type RbacConfig } from "../../src/services/rbac.js";
import type { Actor, MessageRef } from "../../src/services/vocabulary/identity.js";
import { plainMentions } from "../../src/services/vocabulary/mention.js";
import { CONVERSATION, createHarness, type Harness } from "../helpers/dispatcher-harness.js";
import { actor, conversation, eachTestRedis } from "../store/helpers.js";
import { policy, store, T0 } from "./fixtures.js";

const PEOPLE: Person[] = [
  { name: "Alice Example", identities: ["slack:user:UALICE", "console:user:alice", "discord:user:111"] },
  { name: "Bob Builder", identities: ["slack:user:UBOB", "console:user:bob"] },
];
const RBAC: RbacConfig = {
  bindings: [
    { role: "approver", subjects: ["slack:user:UALICE", "console:user:alice", "discord:user:111"] },
    { role: "approver", subjects: ["slack:user:UBOB", "console:user:bob", "console:user:carol"] },
  ],
  channels: {},
  people: PEOPLE,
};
const rbac = new Rbac(RBAC);
const who = (platform: Actor["platform"], id: string, name = id): Actor => ({
  platform,
  id,
  name,
  groups: [],
});

describe("people in config", () => {
  const parse = (people: unknown) => configSchema.safeParse({ people });
  const problems = (people: unknown) => {
    const r = parse(people);
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  };

  it("accepts linked identities across platforms", () => {
    const r = parse(PEOPLE);
    expect(r.success && r.data.people).toEqual(PEOPLE);
  });

  it("refuses an identity that belongs to two people, naming both", () => {
    expect(
      problems([
        { name: "Alice", identities: ["slack:user:U1", "console:user:alice"] },
        { name: "Mallory", identities: ["discord:user:9", "slack:user:U1"] },
      ]),
    ).toEqual([
      "people.1.identities.1: slack:user:U1 already belongs to Alice (people[0]); an identity is one person's",
    ]);
  });

  it("refuses a repeated identity, a repeated name, groups and empty people", () => {
    expect(problems([{ name: "A", identities: ["slack:user:U1", "slack:user:U1"] }])).toEqual([
      "people.0.identities.1: slack:user:U1 is listed twice",
    ]);
    expect(
      problems([
        { name: "Alice", identities: ["slack:user:U1"] },
        { name: "alice", identities: ["slack:user:U2"] },
      ]),
    ).toEqual(["people.1.name: alice is already the name of people[0]; each person is listed once"]);
    expect(problems([{ name: "Ops", identities: ["slack:group:S1"] }])[0]).toMatch(/groups are not people/);
    expect(problems([{ name: "Nobody", identities: [] }])[0]).toMatch(/^people\.0\.identities/);
    expect(problems([{ name: "Bad\nName", identities: ["slack:user:U3"] }])[0]).toMatch(/control characters/);
  });
});

describe("Rbac.identify", () => {
  it("sets the configured person and drops a person an adapter claimed", () => {
    expect(rbac.identify(who("discord", "111")).person).toBe("Alice Example");
    expect(rbac.identify({ ...who("slack", "UMALLORY"), person: "Alice Example" })).not.toHaveProperty(
      "person",
    );
    expect(rbac.identify({ ...who("slack", "UBOB"), person: "Alice Example" }).person).toBe("Bob Builder");
  });
});

describe("the store's decide script counts people (real Redis)", () => {
  let redis: Redis;
  let prefix: string;
  eachTestRedis((r, p) => {
    redis = r;
    prefix = p;
  });

  const open = (required: number) =>
    openApproval({
      command: "template.delete",
      args: { vmid: 9000 },
      requester: rbac.identify(actor("UALICE", { name: "alice.s" })),
      conversation,
      requestId: "req-1",
      policy: policy({ required }),
      now: T0,
    });
  const vote = (a: Actor, at = T0 + 1000) => ({ actor: rbac.identify(a), verdict: "approve" as const, at });

  it("refuses the requester voting through another of their identities", async () => {
    const approvals = store(redis, prefix);
    const r = open(1);
    await approvals.create(r);
    for (const other of [who("console", "alice"), who("discord", "111")]) {
      expect(await approvals.decide(r.id, vote(other))).toMatchObject({
        kind: "refused",
        code: "E_SELF_APPROVAL",
      });
    }
    expect((await approvals.get(r.id))?.approvals).toEqual([]);
  });

  it("counts two identities of one approver once toward the required approvals", async () => {
    const approvals = store(redis, prefix);
    const r = open(2);
    await approvals.create(r);
    expect(await approvals.decide(r.id, vote(who("slack", "UBOB", "bob.s")))).toMatchObject({
      kind: "recorded",
      remaining: 1,
    });
    expect(await approvals.decide(r.id, vote(who("console", "bob"), T0 + 2000))).toMatchObject({
      kind: "refused",
      code: "E_APPROVAL_DUPLICATE",
    });
    const stored = await approvals.get(r.id);
    expect(stored?.status).toBe("pending");
    expect(stored?.approvals).toHaveLength(1);
    // An unlinked identity is a person of its own.
    const done = await approvals.decide(r.id, vote(who("console", "carol"), T0 + 3000));
    expect(done).toMatchObject({ kind: "approved" });
    expect(done.kind === "approved" && plainMentions(outcomeLine(done.request))).toMatch(
      /^approved by @Bob Builder and @carol at/,
    );
  });
});

describe("the approval service and the card", () => {
  let redis: Redis;
  let prefix: string;
  eachTestRedis((r, p) => {
    redis = r;
    prefix = p;
  });

  it("resolves the clicker itself: an adapter's raw actor from another platform is still the requester", async () => {
    const approvals = store(redis, prefix);
    const r = openApproval({
      command: "template.delete",
      args: { vmid: 9000 },
      requester: rbac.identify(who("slack", "UALICE", "alice.s")),
      conversation,
      requestId: "req-2",
      policy: policy(),
      now: T0,
    });
    await approvals.create(r);
    const input = { store: approvals, rbac, approvalId: r.id, verdict: "approve" as const, now: T0 + 1000 };
    const self = await decideApproval({ ...input, actor: who("discord", "111", "al") });
    expect(self).toMatchObject({ ok: false, code: "E_SELF_APPROVAL" });
    // A claimed person does not help either way.
    const forged = await decideApproval({
      ...input,
      actor: { ...who("console", "alice"), person: "Bob Builder" },
    });
    expect(forged).toMatchObject({ ok: false, code: "E_SELF_APPROVAL" });
    const ok = await decideApproval({ ...input, actor: who("console", "bob", "bob.c") });
    expect(ok).toMatchObject({ ok: true, kind: "approved" });
  });

  it("names the person on the card, not the account", () => {
    const r = openApproval({
      command: "template.delete",
      args: { vmid: 9000 },
      requester: rbac.identify(who("slack", "UALICE", "alice.s")),
      conversation,
      requestId: "req-3",
      policy: policy(),
      now: T0,
    });
    const card = approvalCard(r);
    // Mentioned as the Slack account that asked, named as the configured person.
    expect(card.text).toMatch(/^‹@user:slack:UALICE\|Alice Example› asked to run/);
    expect(card.fields?.[0]).toEqual({ label: "Requested by", value: "‹@user:slack:UALICE|Alice Example›" });
    expect(card.buttons?.[0]?.confirm?.text).toMatch(/as requested by Alice Example\.$/);
  });
});

describe("through the dispatcher", () => {
  const runs: string[] = [];
  const wipe = defineCommand({
    name: "vm.wipe",
    summary: "Wipe a VM (test)",
    args: z.object({ vmid: z.number().int().min(100) }),
    positionals: [{ name: "vmid" }],
    permission: "approver",
    destructive: true,
    async run(ctx, args) {
      runs.push(`${args.vmid} by ${ctx.actor.person ?? ctx.actor.id}`);
      return { tone: "success", text: `wiped ${args.vmid}` };
    },
  });
  let h: Harness;
  beforeEach(async () => {
    runs.length = 0;
    h = await createHarness({ commands: [wipe, whoami], rbac: RBAC, policy: { required: 2 } });
  });
  afterEach(async () => {
    await deleteKeysWithPrefix(h.redis, h.prefix);
    await h.close();
  });

  const click = (a: Actor, id: string, message: MessageRef) =>
    h.dispatcher.onAction({
      actor: a,
      conversation: CONVERSATION,
      message,
      actionId: `approval:${id}:approve`,
      requestId: `c-${Math.random()}`,
    });

  it("whoami names the person behind a linked account, and no person for an unlinked one", async () => {
    const me = (a: Actor) =>
      h.dispatcher.onCommand({ actor: a, conversation: CONVERSATION, text: "whoami", requestId: "w" });
    expect((await me(who("discord", "111", "al")))?.fields).toContainEqual({
      label: "Person",
      value: "Alice Example",
    });
    const carol = await me({ ...who("console", "carol"), person: "Alice Example" });
    expect(carol.fields?.map((f) => f.label)).not.toContain("Person");
  });

  it("refuses self-approval across platforms, counts an approver's accounts once, and names people", async () => {
    const asked = await h.dispatcher.onCommand({
      actor: who("slack", "UALICE", "alice.s"),
      conversation: CONVERSATION,
      text: "vm wipe 9001",
      requestId: "r-1",
    });
    expect(asked.title).toBe("Approval requested");
    const [pending] = await h.approvals.listPending();
    const { id, message } = { id: pending!.id, message: pending!.message! };
    expect(h.notifier.latest(message.messageId)?.fields?.[0]).toEqual({
      label: "Requested by",
      value: "‹@user:slack:UALICE|Alice Example›",
    });

    expect((await click(who("console", "alice"), id, message))?.errorCode).toBe("E_SELF_APPROVAL");
    expect((await click(who("slack", "UBOB", "bob.s"), id, message))?.text).toBe(
      "Your approval is recorded; 1 more needed.",
    );
    expect((await click(who("console", "bob"), id, message))?.errorCode).toBe("E_APPROVAL_DUPLICATE");
    expect(runs).toEqual([]);
    expect(h.notifier.latest(message.messageId)?.fields).toContainEqual({
      label: "Approvals",
      value: "1 of 2 (‹@user:slack:UBOB|Bob Builder›)",
    });

    expect((await click(who("console", "carol"), id, message))?.text).toBe("wiped 9001");
    expect(runs).toEqual(["9001 by Alice Example"]);
    expect(plainMentions(h.notifier.latest(message.messageId)?.text ?? "")).toMatch(
      /^approved by @Bob Builder and @carol at/,
    );
  });
});
