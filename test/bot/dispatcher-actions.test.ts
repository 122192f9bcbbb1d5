/**
 * Buttons go through the same stages as typing: a click that stands for a command is authorized exactly
 * like the typed command, and a destructive command reached through a button waits at the approval gate.
 * A button never grants more than typing would.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { deleteKeysWithPrefix } from "../../src/adapters/store/redis.js";
import { ACTION_ROUTES, commandButton } from "../../src/bot/pipeline/router.js";
import { ALL_COMMANDS } from "../../src/commands/index.js";
import { cancelActionId } from "../../src/services/jobs/render.js";
import type { RbacConfig } from "../../src/services/rbac.js";
import type { Actor } from "../../src/services/vocabulary/identity.js";
import { CONVERSATION, consoleActor, createHarness, type Harness } from "../helpers/dispatcher-harness.js";
import { wipeCommand } from "../helpers/wipe-command.js";

const RBAC: RbacConfig = {
  bindings: [
    { role: "operator", subjects: ["console:user:alice"] },
    { role: "viewer", subjects: ["console:user:carol"] },
    { role: "approver", subjects: ["console:user:bob"] },
  ],
  channels: {},
};

/** A destructive command and a button for it (`wipe:<vmid>`), which no production card carries. */
function wipeButton() {
  const { wipe, runs } = wipeCommand();
  const route = commandButton("wipe", "vm.wipe", (actionId) => {
    const match = /^wipe:(\d+)$/.exec(actionId);
    return match ? { vmid: Number(match[1]) } : undefined;
  });
  return { wipe, route, runs };
}

// One harness for the file: bringing a dispatcher's queue up and down per test only adds start-up races.
const { wipe, route, runs } = wipeButton();
let h: Harness;
beforeAll(async () => {
  h = await createHarness({
    commands: [...ALL_COMMANDS, wipe],
    rbac: RBAC,
    actionRoutes: [...ACTION_ROUTES, route],
  });
});
afterAll(async () => {
  await deleteKeysWithPrefix(h.redis, h.prefix);
  await h.close();
});
beforeEach(async () => {
  runs.length = 0;
  await h.redis.del(`${h.prefix}audit`);
  for (const pending of await h.approvals.listPending()) {
    await h.approvals.decide(pending.id, { actor: consoleActor("cleanup"), verdict: "deny", at: Date.now() });
  }
});

let clicks = 0;
function click(actor: Actor, actionId: string) {
  return h.dispatcher.onAction({
    actor,
    conversation: CONVERSATION,
    message: { platform: "console", channelId: CONVERSATION.channelId, messageId: "card" },
    actionId,
    requestId: `click-${++clicks}`,
  });
}

function type(actor: Actor, text: string) {
  return h.dispatcher.onCommand({ actor, conversation: CONVERSATION, text, requestId: `typed-${++clicks}` });
}

async function records() {
  return (await h.audit.query({ limit: 50 })).reverse();
}

describe("a job card's Cancel button", () => {
  it("refuses an unbound user's click at authorize and audits the refusal, like typing it", async () => {
    const clicked = await click(consoleActor("mallory"), cancelActionId("j1"));
    expect(clicked?.errorCode).toBe("E_FORBIDDEN");
    const audited = await records();
    expect(audited).toHaveLength(1);
    expect(audited[0]).toMatchObject({
      kind: "action",
      step: "authorize",
      outcome: "forbidden",
      command: "job.cancel",
      args: { id: "j1" },
      actor: { platform: "console", id: "mallory", name: "mallory" },
      channel: CONVERSATION.channelId,
    });
    const typed = await type(consoleActor("mallory"), "job cancel j1");
    expect(clicked).toEqual(typed);
  });

  it("answers each user exactly as typing `job cancel` would", async () => {
    for (const user of ["mallory", "carol", "alice", "bob"]) {
      const clicked = await click(consoleActor(user), cancelActionId("gone"));
      const typed = await type(consoleActor(user), "job cancel gone");
      expect(clicked, user).toEqual(typed);
    }
  });

  it("runs the command for an operator: authorized, run and reported under the click's request", async () => {
    const reply = await click(consoleActor("alice"), cancelActionId("gone"));
    expect(reply).toMatchObject({ errorCode: "E_NOT_FOUND", text: "no job gone; `jobs` lists recent ones" });
    const audited = await records();
    expect(audited.map((r) => `${r.kind}:${r.step}:${r.outcome}`)).toEqual([
      "action:authorize:ok",
      "action:run:refused",
      "action:report:danger",
    ]);
    expect(audited[1]).toMatchObject({ command: "job.cancel", detail: "E_NOT_FOUND", args: { id: "gone" } });
    expect(new Set(audited.map((r) => r.requestId)).size).toBe(1);
  });
});

describe("a button that stands for a destructive command", () => {
  it("is held at the approval gate, then runs once on an approver's click", async () => {
    const held = await click(consoleActor("alice"), "wipe:9001");
    expect(held?.title).toBe("Approval requested");
    expect(runs).toEqual([]);
    const [pending] = await h.approvals.listPending();
    expect(pending).toMatchObject({ command: "vm.wipe", args: { vmid: 9001 } });
    expect(pending!.requester.id).toBe("alice");

    const approved = await click(consoleActor("bob"), `approval:${pending!.id}:approve`);
    expect(approved?.text).toBe("wiped 9001");
    expect(runs).toEqual([{ vmid: 9001, by: "alice" }]);
    expect((await records()).map((r) => `${r.step}:${r.outcome}`)).toEqual([
      "authorize:ok",
      "approve:pending-approval",
      "decide:approved",
      "run:ok",
      "report:success",
    ]);
  });

  it("refuses a viewer's or an unbound user's click before any approval is opened", async () => {
    expect((await click(consoleActor("carol"), "wipe:9001"))?.errorCode).toBe("E_FORBIDDEN");
    expect((await click(consoleActor("mallory"), "wipe:9001"))?.errorCode).toBe("E_FORBIDDEN");
    expect(await h.approvals.listPending()).toEqual([]);
    expect(runs).toEqual([]);
    const audited = await records();
    expect(audited.map((r) => `${r.kind}:${r.step}:${r.outcome}`)).toEqual([
      "action:authorize:forbidden",
      "action:authorize:forbidden",
    ]);
  });

  it("refuses arguments the command's schema rejects, as a button the bot never made", async () => {
    const reply = await click(consoleActor("alice"), "wipe:5");
    expect(reply).toMatchObject({ errorCode: "E_UNKNOWN_ACTION", text: "this action is no longer valid" });
    expect(await h.approvals.listPending()).toEqual([]);
    expect(runs).toEqual([]);
    expect(await records()).toMatchObject([
      { kind: "action", step: "parse", outcome: "refused", detail: "unknown click: wipe:5" },
    ]);
  });
});

describe("an action id no route recognizes", () => {
  it.each(["job:j1:restart", "approval:x:approve", "wipe:", "", "job:../x:cancel"])(
    "%j is refused, changes nothing, and leaves one audit record of who tried what",
    async (actionId) => {
      const reply = await click(consoleActor("alice"), actionId);
      expect(reply).toMatchObject({ errorCode: "E_UNKNOWN_ACTION", text: "this action is no longer valid" });
      expect(runs).toEqual([]);
      expect(await records()).toMatchObject([
        {
          kind: "action",
          actor: { id: "alice" },
          step: "parse",
          outcome: "refused",
          detail: `unknown click: ${actionId}`,
        },
      ]);
    },
  );
});

describe("a click the adapter refused", () => {
  it.each(["forged", "stale"] as const)(
    "a %s click is audited and answered as no longer valid",
    async (reason) => {
      const reply = await h.dispatcher.onRefusedClick({
        actor: consoleActor("mallory"),
        conversation: CONVERSATION,
        actionId: `approval:abcdefabcdef:approve${"x".repeat(200)}`,
        reason,
        requestId: "r-refused",
      });
      expect(reply).toMatchObject({ errorCode: "E_UNKNOWN_ACTION", text: "this action is no longer valid" });
      const [record, ...others] = await records();
      expect(others).toEqual([]);
      expect(record).toMatchObject({ kind: "action", actor: { id: "mallory" }, outcome: "refused" });
      // The clicker's input is kept short: enough to see what was tried.
      expect(record?.detail).toMatch(new RegExp(`^${reason} click: approval:abcdefabcdef:approvex+…$`));
      expect(record?.detail?.length).toBeLessThan(100);
    },
  );
});
