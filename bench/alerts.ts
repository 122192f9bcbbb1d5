/**
 * Alert benchmark (issue 12's figure), ingest part: a storm of 10,000 alerts in 200 groups over 500
 * webhook calls through the bot's real HTTP server and webhook routes (auth, zod validation, routing)
 * into real Redis, then the same storm again as a resend.
 *   - alertsPerSecond: alerts stored per second of wall time, first call sent to last 2xx (target ≥ 5,000);
 *   - lost: alerts sent minus alerts found in the store afterwards (target 0);
 *   - resend.changed: calls of the resend that changed a group (target 0), and the store's versions summed
 *     before and after it (must be equal).
 * Before it, a warm-up storm of 1,000 alerts in 20 groups of their own goes through the same path, as a
 * running bot's code is warm; it is not counted. The server, the store and the sender share this process
 * (and the machine's 2 cores) with Redis.
 * Prints one JSON object; `chat` is the same storm against a bot process posting to the fake Slack, once
 * steady and once killed and restarted in the middle (bench/alerts-chat.ts says what each figure is).
 *
 *   npm run bench:alerts     (REDIS_URL, CONCURRENCY=16, KILL_AFTER_MS=3000; PART=ingest skips the chat part)
 */
import { randomUUID } from "node:crypto";
import { createRedis, deleteKeysWithPrefix, waitUntilReady } from "../src/adapters/store/redis.js";
import { createAlertMetrics } from "../src/bot/alert-metrics.js";
import { createAlerts } from "../src/bot/compose/alerts.js";
import { alertsConfigSchema } from "../src/bot/config/alerts.js";
import { createHttpServer } from "../src/bot/http/server.js";
import { createMetrics } from "../src/bot/metrics.js";
import type { AlertGroup } from "../src/services/alerts/model.js";
import { silentLog } from "../src/services/log.js";
import { chatPart } from "./alerts-chat.js";
import {
  AM_TOKEN,
  type CallAnswer,
  closeSender,
  GRAFANA_SECRET,
  groupOf,
  sendAll,
  stormPlan,
  TIMESTAMP_HEADER,
} from "./alerts-storm.js";

const SHAPE = { alerts: 10_000, groups: 200, calls: 500 };
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 16);
const WARM_UP = { alerts: 1000, groups: 20, calls: 50 };
const WARM_UP_FIRST_GROUP = 100_000;
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! * 10) / 10;
}

function summary(answers: CallAnswer[]) {
  return {
    ok: answers.filter((a) => a.status === 200).length,
    failed: answers.filter((a) => a.status !== 200).length,
    changed: answers.filter((a) => a.changed === true).length,
    p50ms: percentile(
      answers.map((a) => a.ms),
      50,
    ),
    p99ms: percentile(
      answers.map((a) => a.ms),
      99,
    ),
  };
}

async function ingestPart() {
  const prefix = `bench:alerts:${randomUUID()}:`;
  const redis = createRedis(REDIS_URL, { log: silentLog, name: "bench-alerts" });
  await waitUntilReady(redis, 3000);
  const config = alertsConfigSchema.parse({
    sources: {
      grafana: {
        kind: "grafana",
        auth: { type: "hmac", secret: GRAFANA_SECRET, timestampHeader: TIMESTAMP_HEADER },
      },
      alertmanager: { kind: "alertmanager", auth: { type: "bearer", token: AM_TOKEN } },
    },
    routes: [{ name: "pve", matchers: ['job="pve"', 'severity=~"critical|warning"'], to: ["slack:CALERTS"] }],
    defaultRoute: { to: ["console:alerts"] },
  });
  const metrics = createMetrics({ processMetrics: false });
  const alerts = createAlerts({
    config,
    redis,
    prefix,
    now: Date.now,
    log: silentLog,
    observer: createAlertMetrics(metrics.registry),
  });
  const server = createHttpServer({
    host: "127.0.0.1",
    port: 0,
    log: silentLog,
    metrics,
    routes: alerts.routes,
  });
  const { port } = await server.listen();
  const base = `http://127.0.0.1:${port}`;
  try {
    const warmStarted = performance.now();
    await sendAll(base, stormPlan(WARM_UP, WARM_UP_FIRST_GROUP), CONCURRENCY);
    const warmSeconds = (performance.now() - warmStarted) / 1000;
    const plan = stormPlan(SHAPE);
    const started = performance.now();
    const storm = await sendAll(base, plan, CONCURRENCY);
    const seconds = (performance.now() - started) / 1000;
    const inStorm = (g: AlertGroup) => groupOf(g.commonLabels.alertname) < SHAPE.groups;
    const groups = (await alerts.store.list({ limit: SHAPE.groups * 2 }, Date.now())).filter(inStorm);
    const stored = groups.reduce((n, g) => n + Object.keys(g.alerts).length, 0);
    const versionsBefore = groups.reduce((n, g) => n + g.version, 0);

    const resendStarted = performance.now();
    const resend = await sendAll(base, plan, CONCURRENCY);
    const resendSeconds = (performance.now() - resendStarted) / 1000;
    const after = (await alerts.store.list({ limit: SHAPE.groups * 2 }, Date.now())).filter(inStorm);
    return {
      shape: { ...SHAPE, concurrency: CONCURRENCY, alertsPerCall: SHAPE.alerts / SHAPE.calls },
      warmUp: { ...WARM_UP, coldAlertsPerSecond: Math.round(WARM_UP.alerts / warmSeconds) },
      storm: { ...summary(storm), seconds: Math.round(seconds * 1000) / 1000 },
      alertsPerSecond: Math.round(SHAPE.alerts / seconds),
      groupsStored: groups.length,
      alertsStored: stored,
      lost: SHAPE.alerts - stored,
      resend: {
        ...summary(resend),
        seconds: Math.round(resendSeconds * 1000) / 1000,
        versionsBefore,
        versionsAfter: after.reduce((n, g) => n + g.version, 0),
      },
      dirtyGroups: (await alerts.store.dirty(SHAPE.groups * 2)).filter((id) =>
        groups.some((g) => g.id === id),
      ).length,
    };
  } finally {
    await server.close();
    closeSender();
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
  }
}

const result = {
  ingest: await ingestPart(),
  chat: process.env.PART === "ingest" ? undefined : await chatPart(SHAPE, CONCURRENCY),
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
