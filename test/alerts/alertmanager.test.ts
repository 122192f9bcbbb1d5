/**
 * Against a real Alertmanager (Debian's 0.25 package; `.ci/run` installs it) and the Redis alert store: an alert posted to its API
 * reaches the bot as a webhook and becomes a message with buttons; the Silence button creates a silence
 * Alertmanager then reports (and applies to the alert), and Unsilence expires it. The webhook here is a
 * small local receiver mapping the v4 payload onto the store, standing in for the bot's own route.
 */
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisAlertStore } from "../../src/adapters/store/alert-store.js";
import { deleteKeysWithPrefix } from "../../src/adapters/store/redis.js";
import { createAlertMessages } from "../../src/bot/compose/alert-messages.js";
import type { AlertBatch } from "../../src/services/alerts/model.js";
import { alertActionId } from "../../src/services/alerts/render.js";
import {
  alertmanagerInstalled,
  type RunningAlertmanager,
  startAlertmanager,
} from "../helpers/alertmanager.js";
import {
  consoleActor,
  createHarness,
  type Harness,
  REDIS_URL,
  silentLog,
} from "../helpers/dispatcher-harness.js";
import { ThreadedNotifier } from "./chat.js";

const installed = alertmanagerInstalled();
const ops = { platform: "console" as const, channelId: "ops" };
const TOKEN = "webhook-token-1";

let am: RunningAlertmanager;
let receiver: Server;
let h: Harness;
const prefix = `test:${randomUUID()}:`;
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
const store = new RedisAlertStore(redis, { prefix });
const chat = new ThreadedNotifier();
const webhooks: { authorization?: string; version: string }[] = [];

interface V4 {
  version: string;
  groupKey: string;
  truncatedAlerts?: number;
  status: "firing" | "resolved";
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: {
    status: "firing" | "resolved";
    labels: Record<string, string>;
    annotations: Record<string, string>;
    startsAt: string;
    endsAt: string;
    generatorURL: string;
    fingerprint: string;
  }[];
}

function batchFrom(body: V4): AlertBatch {
  return {
    source: "alertmanager",
    sourceName: "lab-am",
    receiver: body.receiver,
    groupKey: body.groupKey,
    status: body.status,
    groupLabels: body.groupLabels,
    commonLabels: body.commonLabels,
    commonAnnotations: body.commonAnnotations,
    externalURL: body.externalURL,
    truncatedAlerts: body.truncatedAlerts ?? 0,
    receivedAt: Date.now(),
    alerts: body.alerts.map((a) => ({
      fingerprint: a.fingerprint,
      status: a.status,
      labels: a.labels,
      annotations: a.annotations,
      startsAt: Date.parse(a.startsAt),
      ...(a.status === "resolved" ? { endsAt: Date.parse(a.endsAt) } : {}),
    })),
  };
}

beforeAll(async () => {
  if (!installed) return;
  let onChanged: ReturnType<typeof createAlertMessages>["onChanged"] | undefined;
  receiver = createServer((req, res) => {
    let raw = "";
    req.on("data", (c: Buffer) => (raw += c.toString()));
    req.on("end", async () => {
      const body = JSON.parse(raw) as V4;
      webhooks.push({ authorization: req.headers.authorization, version: body.version });
      await onChanged?.(await store.ingest(batchFrom(body), () => [{ route: "infra", conversation: ops }]));
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const { port } = receiver.address() as AddressInfo;
  am = await startAlertmanager({
    webhookUrl: `http://127.0.0.1:${port}/webhooks/alertmanager`,
    bearer: TOKEN,
  });
  const side = createAlertMessages({
    store,
    notifiers: { console: chat },
    policyFor: (name) => ({ name, oncall: [], role: "operator" }),
    sources: { "lab-am": { silences: { url: am.url } } },
    clock: { now: () => Date.now() },
    log: silentLog,
  });
  onChanged = side.onChanged;
  h = await createHarness({
    commands: [],
    rbac: { bindings: [{ role: "operator", subjects: ["console:user:alice"] }], channels: {} },
    services: { alerts: side.services },
  });
}, 30_000);

afterAll(async () => {
  await h?.close();
  await am?.stop();
  await new Promise((resolve) => (receiver ? receiver.close(resolve) : resolve(undefined)));
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
});

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

describe.skipIf(!installed)("a real Alertmanager", () => {
  it("delivers alerts as webhooks that become a message; Silence creates a silence it reports, Unsilence expires it", {
    timeout: 60_000,
  }, async () => {
    const posted = await fetch(`${am.url}/api/v2/alerts`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify([
        {
          labels: { alertname: "PveNodeDown", instance: "pve1", severity: "critical" },
          annotations: { summary: "pve1 is down" },
          startsAt: new Date().toISOString(),
        },
      ]),
    });
    expect(posted.status).toBe(200);
    const [message] = await until("the alert message", async () => {
      const list = chat.inChannel("ops");
      return list.length > 0 ? list : undefined;
    });
    expect(message).toMatchObject({ title: "Firing: PveNodeDown", tone: "danger", text: "pve1 is down" });
    expect(webhooks[0]).toEqual({ authorization: `Bearer ${TOKEN}`, version: "4" });

    const [group] = await store.list({}, Date.now());
    const ref = group!.messages[0]!.message!;
    const click = (actionId: string) =>
      h.dispatcher.onAction({
        actor: consoleActor("alice"),
        conversation: ops,
        message: ref,
        actionId,
        requestId: `r-${actionId}`,
      });
    const silenced = await click(alertActionId(group!.id, { verb: "silence", duration: "1h" }));
    expect(silenced!.text).toMatch(/silenced by .*alice/);
    const silenceId = (await store.get(group!.id))!.silence!.id;
    const reported = (await (await fetch(`${am.url}/api/v2/silences`)).json()) as {
      id: string;
      status: { state: string };
      createdBy: string;
      matchers: unknown[];
    }[];
    expect(reported.find((s) => s.id === silenceId)).toMatchObject({
      status: { state: "active" },
      createdBy: "alice (console:alice)",
      matchers: expect.arrayContaining([
        { name: "alertname", value: "PveNodeDown", isRegex: false, isEqual: true },
      ]),
    });
    // Alertmanager applies it: the alert is now suppressed by that silence.
    await until("the alert to be silenced", async () => {
      const alerts = (await (await fetch(`${am.url}/api/v2/alerts`)).json()) as {
        status: { silencedBy: string[] };
      }[];
      return alerts[0]?.status.silencedBy.includes(silenceId) ? true : undefined;
    });
    expect(chat.latest(ref.messageId).title).toBe("Silenced: PveNodeDown");

    const unsilenced = await click(alertActionId(group!.id, { verb: "unsilence" }));
    expect(unsilenced!.text).toMatch(/silence removed by/);
    const after = (await (await fetch(`${am.url}/api/v2/silence/${silenceId}`)).json()) as {
      status: { state: string };
    };
    expect(after.status.state).toBe("expired");
    expect(chat.latest(ref.messageId).title).toBe("Firing: PveNodeDown");
  });
});
