/**
 * Alert webhooks for the chaos run: signed Grafana (HMAC over `<timestamp>:<body>`) and Alertmanager
 * (bearer token) payloads posted to a front-end's real HTTP routes, each by a sender that behaves as
 * Grafana and Alertmanager do: a 5xx or a dropped connection is retried with a growing pause (Retry-After
 * honoured up to a bound), each try signed anew, until a 2xx or the sender's deadline. Afterwards the
 * groups and alerts in Redis are compared with what was sent.
 */
import { createHmac } from "node:crypto";
import type { Redis } from "ioredis";
import { amPayload, fixture } from "../../test/alerts/ingest/fixtures.js";

const GRAFANA_SECRET = "chaos-grafana-hmac-secret-0123456789";
const AM_TOKEN = "chaos-alertmanager-bearer-token-0123";
const STAMP_HEADER = "X-Grafana-Alerting-Signature-Timestamp";

/** The `alerts:` config section every bot process of the rig gets. */
export const ALERT_SOURCES = {
  sources: {
    grafana: {
      kind: "grafana",
      auth: { type: "hmac", secret: GRAFANA_SECRET, timestampHeader: STAMP_HEADER },
    },
    alertmanager: { kind: "alertmanager", auth: { type: "bearer", token: AM_TOKEN } },
  },
};

/** One webhook: where it goes, its body, and the group and alerts it must leave in the store. */
export interface AlertWebhook {
  source: "grafana" | "alertmanager";
  groupKey: string;
  fingerprints: string[];
  body: string;
}

/** Webhook `i` of the run: even ones from Grafana, odd ones from Alertmanager, `alerts` alerts each. */
export function alertWebhook(tag: string, i: number, alerts: number): AlertWebhook {
  if (i % 2 === 1) {
    const payload = amPayload(`${tag}${i}`, alerts);
    return {
      source: "alertmanager",
      groupKey: payload.groupKey,
      fingerprints: payload.alerts.map((a) => a.fingerprint),
      body: JSON.stringify(payload),
    };
  }
  const template = JSON.parse(fixture("grafana-firing-values-v11.json")) as Record<string, unknown> & {
    alerts: Record<string, unknown>[];
  };
  const alertname = `Chaos ${tag} ${i}`;
  const groupKey = `{}:{alertname="${alertname}"}`;
  const list = Array.from({ length: alerts }, (_, j) => ({
    ...template.alerts[0],
    labels: { alertname, instance: `node${j}:9100`, severity: "warning" },
    fingerprint: createHmac("sha256", "fp").update(`${groupKey}/${j}`).digest("hex").slice(0, 16),
  }));
  const payload = {
    ...template,
    groupKey,
    groupLabels: { alertname },
    commonLabels: { alertname, severity: "warning" },
    alerts: list,
  };
  return {
    source: "grafana",
    groupKey,
    fingerprints: list.map((a) => a.fingerprint),
    body: JSON.stringify(payload),
  };
}

function headersFor(hook: AlertWebhook): Record<string, string> {
  if (hook.source === "alertmanager") return { authorization: `Bearer ${AM_TOKEN}` };
  const stamp = String(Math.floor(Date.now() / 1000));
  const signature = createHmac("sha256", GRAFANA_SECRET).update(`${stamp}:${hook.body}`).digest("hex");
  return { "X-Grafana-Alerting-Signature": signature, [STAMP_HEADER]: stamp };
}

/** What the sender saw: every answer's status (0: no answer) and whether it ended on a 2xx. */
export interface SendRecord {
  statuses: number[];
  delivered: boolean;
}

/** Posts `hook` to `base` until a 2xx, retrying 5xx and connection failures, for at most `deadlineMs`. */
export async function sendUntilStored(
  base: string,
  hook: AlertWebhook,
  deadlineMs: number,
): Promise<SendRecord> {
  const statuses: number[] = [];
  const deadline = Date.now() + deadlineMs;
  for (let attempt = 1; ; attempt++) {
    let retryAfterMs: number | undefined;
    try {
      const res = await fetch(`${base}/webhooks/${hook.source}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headersFor(hook) },
        body: hook.body,
        signal: AbortSignal.timeout(10_000),
      });
      await res.arrayBuffer();
      statuses.push(res.status);
      if (res.status >= 200 && res.status < 300) return { statuses, delivered: true };
      if (res.status < 500) return { statuses, delivered: false };
      const header = Number(res.headers.get("retry-after"));
      if (Number.isFinite(header) && header > 0) retryAfterMs = header * 1000;
    } catch {
      statuses.push(0);
    }
    const pause = Math.min(retryAfterMs ?? 500 * 2 ** (attempt - 1), 5000);
    if (Date.now() + pause > deadline) return { statuses, delivered: false };
    await new Promise((r) => setTimeout(r, pause));
  }
}

/** Sent versus stored: groups and alerts that a 2xx or a retry should have left in Redis and did not. */
export async function compareStored(redis: Redis, prefix: string, hooks: AlertWebhook[]) {
  const stored = new Map<string, Set<string>>();
  const keys = await redis.keys(`${prefix}alerts:group:*`);
  for (const key of keys) {
    const json = await redis.hget(key, "json");
    if (!json) continue;
    const group = JSON.parse(json) as {
      sourceName: string;
      groupKey: string;
      alerts: Record<string, unknown>;
    };
    stored.set(`${group.sourceName}/${group.groupKey}`, new Set(Object.keys(group.alerts)));
  }
  let lostGroups = 0;
  let lostAlerts = 0;
  for (const hook of hooks) {
    const alerts = stored.get(`${hook.source}/${hook.groupKey}`);
    if (!alerts) lostGroups++;
    lostAlerts += hook.fingerprints.filter((fp) => !alerts?.has(fp)).length;
  }
  return {
    storedGroups: stored.size,
    storedAlerts: [...stored.values()].reduce((n, s) => n + s.size, 0),
    lostGroups,
    lostAlerts,
  };
}
