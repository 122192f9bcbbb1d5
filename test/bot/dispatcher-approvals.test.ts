import { afterEach, describe, expect, it } from "vitest";
import { deleteKeysWithPrefix } from "../../src/adapters/store/redis.js";
import { schedulerActor } from "../../src/services/approvals/index.js";
import type { RbacConfig } from "../../src/services/rbac.js";
import type { Actor } from "../../src/services/vocabulary/identity.js";
import { plainMentions } from "../../src/services/vocabulary/mention.js";
import {
  CONVERSATION,
  consoleActor,
  createHarness,
  type Harness,
  type RecordingNotifier,
} from "../helpers/dispatcher-harness.js";
import { wipeCommand } from "../helpers/wipe-command.js";

const RBAC: RbacConfig = {
  bindings: [
    { role: "operator", subjects: ["console:user:alice", "console:user:olga"] },
    { role: "viewer", subjects: ["console:user:carol"] },
    { role: "approver", subjects: ["console:group:leads"] },
    { role: "admin", subjects: ["console:user:dana"] },
  ],
  channels: {},
};

const alice = consoleActor("alice");
const bob = consoleActor("bob", ["leads"]);
const erin = consoleActor("erin", ["leads"]);
const approverNumber = (i: number) => consoleActor(`lead${i}`, ["leads"]);

const harnesses: Harness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) {
    await deleteKeysWithPrefix(h.redis, h.prefix);
    await h.close();
  }
});

async function setup(
  options: {
    required?: number;
    clock?: { now(): number };
    prefix?: string;
    notifier?: RecordingNotifier;
  } = {},
) {
  const { wipe, runs } = wipeCommand();
  const h = await createHarness({
    commands: [wipe],
    rbac: RBAC,
    policy: options.required ? { required: options.required } : undefined,
    clock: options.clock,
    prefix: options.prefix,
    notifier: options.notifier,
  });
  harnesses.push(h);
  return { h, runs };
}

async function request(h: Harness, actor: Actor = alice, text = "vm wipe 9001") {
  const reply = await h.dispatcher.onCommand({
    actor,
    conversation: CONVERSATION,
    text,
    requestId: `r-${Math.random()}`,
  });
  expect(reply.title).toBe("Approval requested");
  const [card] = await h.approvals.listPending();
  if (!card?.message) throw new Error("no approval card was posted");
  return { id: card.id, message: card.message };
}

function click(
  h: Harness,
  actor: Actor,
  target: { id: string; message: import("../../src/services/vocabulary/identity.js").MessageRef },
  verdict: "approve" | "deny" = "approve",
  value?: string,
) {
  return h.dispatcher.onAction({
    actor,
    conversation: CONVERSATION,
    message: target.message,
    actionId: `approval:${target.id}:${verdict}`,
    value,
    requestId: `c-${Math.random()}`,
  });
}

describe("two-person approval through the dispatcher", () => {
  it("holds a destructive command, posts a card, and runs it on an approver's click", async () => {
    const { h, runs } = await setup();
    const target = await request(h);
    expect(runs).toEqual([]);
    const card = h.notifier.latest(target.message.messageId)!;
    expect(card.buttons?.map((b) => b.id)).toEqual([
      `approval:${target.id}:approve`,
      `approval:${target.id}:deny`,
    ]);

    const result = await click(h, bob, target);
    expect(result?.text).toBe("wiped 9001");
    expect(runs).toEqual([{ vmid: 9001, by: "alice" }]);
    const outcome = h.notifier.latest(target.message.messageId)!;
    expect(outcome.buttons ?? []).toEqual([]);
    expect(plainMentions(outcome.text ?? "")).toMatch(/approved by @bob/);
  });

  it("refuses self-approval and runs nothing", async () => {
    const { h, runs } = await setup();
    const target = await request(h);
    const result = await click(h, alice, target);
    expect(result?.errorCode).toBe("E_SELF_APPROVAL");
    // an admin who asks may not approve their own request either
    const own = await request(h, consoleActor("dana"), "vm wipe 9002");
    expect(own).toBeDefined();
    const pending = await h.approvals.listPending();
    const danas = pending.find((p) => p.requester.id === "dana")!;
    expect((await click(h, consoleActor("dana"), { id: danas.id, message: danas.message! }))?.errorCode).toBe(
      "E_SELF_APPROVAL",
    );
    expect(runs).toEqual([]);
  });

  it("refuses a viewer's and an operator's click", async () => {
    const { h, runs } = await setup();
    const target = await request(h);
    expect((await click(h, consoleActor("carol"), target))?.errorCode).toBe("E_FORBIDDEN");
    expect((await click(h, consoleActor("olga"), target))?.errorCode).toBe("E_FORBIDDEN");
    expect(runs).toEqual([]);
    expect((await click(h, bob, target))?.errorCode).toBeUndefined();
    expect(runs).toHaveLength(1);
  });

  it("refuses a click after expiry", async () => {
    let now = Date.now();
    const { h, runs } = await setup({ clock: { now: () => now } });
    const target = await request(h);
    now += 16 * 60_000;
    const result = await click(h, bob, target);
    expect(result?.errorCode).toBe("E_APPROVAL_EXPIRED");
    expect(runs).toEqual([]);
  });

  it("runs the command exactly once under 100 concurrent approvals", async () => {
    const { h, runs } = await setup();
    const target = await request(h);
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => click(h, approverNumber(i), target)),
    );
    expect(runs).toHaveLength(1);
    const ran = results.filter((r) => r?.text === "wiped 9001");
    expect(ran).toHaveLength(1);
    expect(results.filter((r) => r?.errorCode === "E_APPROVAL_DECIDED")).toHaveLength(99);
  });

  it("needs two distinct approvers when the policy says two", async () => {
    const { h, runs } = await setup({ required: 2 });
    const target = await request(h);
    const first = await click(h, bob, target);
    expect(first?.text).toMatch(/1 more/);
    expect(runs).toEqual([]);
    expect((await click(h, bob, target))?.errorCode).toBe("E_APPROVAL_DUPLICATE");
    const second = await click(h, erin, target);
    expect(second?.text).toBe("wiped 9001");
    expect(runs).toHaveLength(1);
  });

  it("lets a new bot process on the same Redis approve a request made before it started", async () => {
    const first = await setup();
    const target = await request(first.h);
    await first.h.close();
    harnesses.splice(harnesses.indexOf(first.h), 1);

    const second = await setup({ prefix: first.h.prefix, notifier: first.h.notifier });
    const result = await click(second.h, bob, target);
    expect(result?.text).toBe("wiped 9001");
    expect(second.runs).toEqual([{ vmid: 9001, by: "alice" }]);
    expect(first.runs).toEqual([]);
  });

  it("denies with a reason, edits the card, and a later approve is refused", async () => {
    const { h, runs } = await setup();
    const target = await request(h);
    expect(await click(h, bob, target, "deny", "not during business hours")).toBeUndefined();
    const outcome = h.notifier.latest(target.message.messageId)!;
    expect(plainMentions(JSON.stringify(outcome))).toMatch(/denied by @bob.*not during business hours/);
    expect((await click(h, erin, target))?.errorCode).toBe("E_APPROVAL_DECIDED");
    expect(runs).toEqual([]);
  });

  it("takes the Deny form's reason from the answers (values.reason) and shows it on the outcome", async () => {
    const { h, runs } = await setup();
    const target = await request(h);
    const card = h.notifier.latest(target.message.messageId)!;
    expect(card.buttons!.find((b) => b.label === "Deny")!.prompt!.fields.map((f) => f.id)).toEqual([
      "reason",
    ]);
    const denied = await h.dispatcher.onAction({
      actor: bob,
      conversation: CONVERSATION,
      message: target.message,
      actionId: `approval:${target.id}:deny`,
      values: { reason: "change freeze until Monday" },
      requestId: "form-deny",
    });
    expect(denied).toBeUndefined();
    expect(JSON.stringify(h.notifier.latest(target.message.messageId))).toMatch(/change freeze until Monday/);
    expect(runs).toEqual([]);
  });

  it("answers an unknown or forged button with a clear message and runs nothing", async () => {
    const { h, runs } = await setup();
    const target = await request(h);
    const forged = await h.dispatcher.onAction({
      actor: bob,
      conversation: CONVERSATION,
      message: target.message,
      actionId: "approval:../../x:approve",
      requestId: "f",
    });
    expect(forged?.errorCode).toBe("E_UNKNOWN_ACTION");
    const unknown = await click(h, bob, { id: "AAAAAAAAAAAAAAAA", message: target.message });
    expect(unknown?.errorCode).toBe("E_APPROVAL_NOT_FOUND");
    expect(runs).toEqual([]);
  });

  it("runs a request the scheduler opened on the approver's authority", async () => {
    const { wipe, runs } = wipeCommand();
    const h = await createHarness({ commands: [wipe], rbac: RBAC });
    harnesses.push(h);
    // The harness's requester: the one jobs get, on the dispatcher's registry and policy.
    const requester = h.core.approvalRequester;
    const { approvalId } = await requester.request({
      command: "vm.wipe",
      args: { vmid: 9003 },
      requester: schedulerActor("console"),
      conversation: CONVERSATION,
      requestId: "sched-1",
    });
    const [pending] = await h.approvals.listPending();
    const target = { id: approvalId, message: pending!.message! };
    expect((await click(h, consoleActor("olga"), target))?.errorCode).toBe("E_FORBIDDEN");
    expect((await click(h, bob, target))?.text).toBe("wiped 9003");
    expect(runs).toEqual([{ vmid: 9003, by: "bob" }]);
    await expect(
      requester.request({
        command: "vm.wipe",
        args: { vmid: 5 },
        requester: alice,
        conversation: CONVERSATION,
        requestId: "x",
      }),
    ).rejects.toThrow(/cannot ask approval for vm.wipe/);
  });

  it("writes an audit record for each step", async () => {
    const { h } = await setup();
    const target = await request(h);
    await click(h, bob, target);
    const records = await h.audit.query({ limit: 50 });
    const steps = records.map((r) => `${r.step}:${r.outcome}`).reverse();
    expect(steps).toEqual([
      "parse:ok",
      "authorize:ok",
      "approve:pending-approval",
      "decide:approved",
      "run:ok",
      "report:success",
    ]);
  });
});
