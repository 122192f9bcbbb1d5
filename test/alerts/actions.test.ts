/**
 * Alert buttons and commands through the bot's own dispatcher (real Redis audit and the Redis alert store,
 * the bot's compose of the alert side, a spec-checking Alertmanager): two acks at once (one wins, the
 * other learns who), the route's role, Silence 1h and the Silence… form, Unsilence, each click audited once.
 */
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisAlertStore } from "../../src/adapters/store/alert-store.js";
import { deleteKeysWithPrefix } from "../../src/adapters/store/redis.js";
import { createAlertMessages } from "../../src/bot/compose/alert-messages.js";
import { ack } from "../../src/commands/ack.js";
import { alert } from "../../src/commands/alert.js";
import { alerts } from "../../src/commands/alerts.js";
import { silence } from "../../src/commands/silence.js";
import { silences } from "../../src/commands/silences.js";
import { unsilence } from "../../src/commands/unsilence.js";
import { COMMAND_AUDIENCE, visibilityOf } from "../../src/commands/visibility.js";
import type { AlertRoutePolicy } from "../../src/services/alerts/model.js";
import { alertActionId } from "../../src/services/alerts/render.js";
import type { ConversationRef, MessageRef } from "../../src/services/vocabulary/identity.js";
import {
  consoleActor,
  createHarness,
  type Harness,
  REDIS_URL,
  silentLog,
} from "../helpers/dispatcher-harness.js";
import { alertOf, batchOf, routedTo, T0 } from "./batches.js";
import { ThreadedNotifier } from "./chat.js";
import { type FakeAlertmanager, startFakeAlertmanager } from "./fake-alertmanager.js";

const ops: ConversationRef = { platform: "console", channelId: "ops" };
const dba: ConversationRef = { platform: "console", channelId: "dba" };
const POLICIES: Record<string, AlertRoutePolicy> = {
  infra: { name: "infra", oncall: [], role: "operator" },
  db: { name: "db", oncall: [], role: "approver" },
};

let h: Harness;
let am: FakeAlertmanager;
let store: RedisAlertStore;
let redis: Redis;
const prefix = `test:${randomUUID()}:`;
let chat: ThreadedNotifier;
const now = T0 + 60_000;
let onChanged: ReturnType<typeof createAlertMessages>["onChanged"];

beforeAll(async () => {
  am = await startFakeAlertmanager({ version: "0.25" });
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  store = new RedisAlertStore(redis, { prefix });
  chat = new ThreadedNotifier();
  const clock = { now: () => now };
  const side = createAlertMessages({
    store,
    notifiers: { console: chat },
    policyFor: (route) => POLICIES[route] ?? { name: route, oncall: [], role: "operator" },
    sources: { grafana: { silences: { url: am.url } }, "lab-prom": {} },
    clock,
    log: silentLog,
  });
  onChanged = side.onChanged;
  h = await createHarness({
    commands: [alerts, alert, ack, silence, unsilence, silences],
    rbac: {
      bindings: [
        { role: "operator", subjects: ["console:user:alice", "console:user:bob"] },
        { role: "approver", subjects: ["console:user:dora"] },
        { role: "viewer", subjects: ["console:user:victor"] },
      ],
      channels: {},
    },
    clock,
    services: { alerts: side.services },
  });
}, 30_000);
afterAll(async () => {
  await h?.close();
  await am?.close();
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
});

async function fire(instance: string, route: string, conversation: ConversationRef, extra = {}) {
  const result = await store.ingest(
    batchOf([alertOf(instance)], {
      groupKey: `g-${instance}`,
      commonLabels: { alertname: "HostHighCpu", instance },
      ...extra,
    }),
    routedTo(route, conversation),
  );
  await onChanged(result);
  const group = (await store.get(result.group.id))!;
  return { id: group.id, message: group.messages[0]!.message! };
}

function click(who: string, message: MessageRef, actionId: string, values?: Record<string, string>) {
  return h.dispatcher.onAction({
    actor: consoleActor(who),
    conversation: { platform: "console", channelId: message.channelId },
    message,
    actionId,
    values,
    requestId: `req-${Math.random()}`,
  });
}

const typed = (who: string, text: string, channelId = "ops") =>
  h.dispatcher.onCommand({
    actor: consoleActor(who),
    conversation: { platform: "console", channelId },
    text,
    requestId: `req-${Math.random()}`,
  });

describe("alert buttons", () => {
  it("two acks at once: one wins and the message says who; the other is told who acked first", async () => {
    const { id, message } = await fire("pve1", "infra", ops);
    const [a, b] = await Promise.all([
      click("alice", message, alertActionId(id, { verb: "ack" })),
      click("bob", message, alertActionId(id, { verb: "ack" })),
    ]);
    const texts = [a!.text, b!.text].sort();
    expect(texts[0]).toMatch(
      /^Alert group \w+ \(HostHighCpu\) acknowledged by ‹@user:console:alice\|alice›\.$/,
    );
    expect(texts[1]).toMatch(/^Already acknowledged by ‹@user:console:alice\|alice› at /);
    expect(chat.latest(message.messageId)).toMatchObject({ title: "Acknowledged: HostHighCpu" });
    expect(chat.latest(message.messageId).buttons!.map((x) => x.label)).toEqual([
      "Unacknowledge",
      "Silence 1h",
      "Silence 4h",
      "Silence 24h",
      "Silence…",
    ]);
    expect(chat.messages.get(message.messageId)!.thread.map((r) => r.text)).toEqual([
      "acknowledged by ‹@user:console:alice|alice›",
    ]);
    await h.auditRetry.flush?.();
    const records = (await h.audit.query({ limit: 20 })).filter((r) => r.step === "alert");
    expect(records.map((r) => `${r.actor!.id} ${r.command} ${r.outcome}`).sort()).toEqual([
      "alice alert.ack ok",
      "bob alert.ack unchanged",
    ]);

    const un = await click("bob", message, alertActionId(id, { verb: "unack" }));
    expect(un!.text).toMatch(/acknowledgement withdrawn by ‹@user:console:bob\|bob›/);
    expect(chat.latest(message.messageId).title).toBe("Firing: HostHighCpu");
  });

  it("a route that needs approvers refuses an operator, by button and by command, and audits the refusal", async () => {
    const { id, message } = await fire("db1", "db", dba);
    const refused = await click("alice", message, alertActionId(id, { verb: "ack" }));
    expect(refused).toMatchObject({ errorCode: "E_FORBIDDEN", visibility: "ephemeral" });
    expect(refused!.text).toMatch(/need the approver role \(route db\); you have operator/);
    const typedRefusal = await typed("alice", `ack ${id}`, "ops");
    expect(typedRefusal.errorCode).toBe("E_FORBIDDEN");
    const ok = await typed("dora", `ack ${id}`, "dba");
    expect(ok).toMatchObject({ visibility: "channel", tone: "success" });
    expect(chat.latest(message.messageId).context).toMatch(/^acknowledged by ‹@user:console:dora\|dora›/);
    const records = await h.audit.query({ limit: 50 });
    expect(
      records.some((r) => r.step === "alert" && r.outcome === "refused" && r.detail === "E_FORBIDDEN"),
    ).toBe(true);
  });

  it("Silence 1h creates an Alertmanager silence for the group's labels; Unsilence expires it", async () => {
    const { id, message } = await fire("pve3", "infra", ops);
    const reply = await click("alice", message, alertActionId(id, { verb: "silence", duration: "1h" }));
    expect(reply!.text).toMatch(/silenced by ‹@user:console:alice\|alice› until 2026-12-04 13:01 UTC/);
    const [created] = [...am.silences.values()].slice(-1);
    expect(created!.body).toMatchObject({
      matchers: [
        { name: "alertname", value: "HostHighCpu", isRegex: false, isEqual: true },
        { name: "instance", value: "pve3", isRegex: false, isEqual: true },
      ],
      createdBy: "alice (console:alice)",
      startsAt: new Date(now).toISOString(),
      endsAt: new Date(now + 3_600_000).toISOString(),
    });
    const card = chat.latest(message.messageId);
    expect(card.title).toBe("Silenced: HostHighCpu");
    expect(card.buttons!.map((b) => b.label)).toEqual(["Unsilence"]);
    const listed = await typed("victor", "silences");
    expect(listed.table!.rows[0]).toEqual(
      expect.arrayContaining(["grafana", "active", "alertname=HostHighCpu, instance=pve3"]),
    );

    const off = await click("bob", message, alertActionId(id, { verb: "unsilence" }));
    expect(off!.text).toMatch(/silence removed by ‹@user:console:bob\|bob›/);
    expect([...am.silences.values()].at(-1)!.state).toBe("expired");
    expect(chat.latest(message.messageId).title).toBe("Firing: HostHighCpu");
    expect(am.problems).toEqual([]);
  });

  it("the Silence… form: its duration and comment arrive as values; a bad duration changes nothing", async () => {
    const { id, message } = await fire("pve4", "infra", ops);
    const before = am.silences.size;
    const bad = await click("alice", message, alertActionId(id, { verb: "silence" }), { duration: "soon" });
    expect(bad).toMatchObject({ errorCode: "E_ARGS" });
    expect(am.silences.size).toBe(before);
    const good = await click("alice", message, alertActionId(id, { verb: "silence" }), {
      duration: "2d",
      comment: "rack move",
    });
    expect(good!.text).toMatch(/until 2026-12-06 12:01 UTC \(rack move\)/);
    expect([...am.silences.values()].at(-1)!.body.comment).toBe("rack move");
    // By silence id, as `silences` shows it.
    const silenceId = [...am.silences.keys()].at(-1)!;
    expect(await typed("alice", `unsilence ${silenceId}`)).toMatchObject({
      visibility: "channel",
      tone: "success",
    });
  });

  it("a source without a silence API says so on the button, and a viewer may read but not act", async () => {
    const { id, message } = await fire("lab1", "infra", ops, { sourceName: "lab-prom" });
    const reply = await click("alice", message, alertActionId(id, { verb: "silence", duration: "4h" }));
    expect(reply).toMatchObject({ errorCode: "E_UNAVAILABLE" });
    expect(reply!.text).toBe(
      "silencing is unavailable for lab-prom: no silence API is configured (alerts.sources.lab-prom.silences)",
    );
    expect((await click("victor", message, alertActionId(id, { verb: "ack" })))!.errorCode).toBe(
      "E_FORBIDDEN",
    );
    const list = await typed("victor", "alerts --state firing --label instance=lab1");
    expect(list.visibility).toBe("ephemeral");
    expect(list.table!.rows).toEqual([[id, "firing", "HostHighCpu", "", "1/1", "2026-12-04 12:00 UTC", ""]]);
    const details = await typed("victor", `alert ${id}`);
    expect(details).toMatchObject({ visibility: "ephemeral", title: "Firing: HostHighCpu" });
    expect(details.table!.rows[0]!.slice(0, 2)).toEqual(["2026-12-04 12:00 UTC", "firing"]);
    expect(await typed("victor", "alert nosuch")).toMatchObject({ errorCode: "E_NOT_FOUND" });
    expect(await typed("alice", `silence ${id} forever`)).toMatchObject({ errorCode: "E_ARGS" });
  });

  it("an id no alert button carries is refused", async () => {
    const { message } = await fire("pve5", "infra", ops);
    expect(await click("alice", message, "alert:abc:ack:1h")).toMatchObject({
      errorCode: "E_UNKNOWN_ACTION",
    });
  });
});

describe("the visibility rule for the alert commands", () => {
  it("holds for each of them: reads private, actions public", async () => {
    const { id } = await fire("vis1", "infra", ops);
    const lines: [string, string][] = [
      ["alerts", "alerts"],
      ["alert", `alert ${id}`],
      ["ack", `ack ${id}`],
      ["silence", `silence ${id} 30m --comment "visibility walk"`],
      ["silences", "silences"],
      ["unsilence", `unsilence ${id}`],
    ];
    for (const [name, line] of lines) {
      const reply = await typed("alice", line);
      expect(reply.errorCode, `${line}: ${reply.text}`).toBeUndefined();
      expect(reply.visibility, name).toBe(visibilityOf(COMMAND_AUDIENCE[name]!));
    }
    // The list test/services/visibility-rule.test.ts leaves to this walk.
    expect(lines.map(([n]) => n).sort()).toEqual([
      "ack",
      "alert",
      "alerts",
      "silence",
      "silences",
      "unsilence",
    ]);
  });
});
