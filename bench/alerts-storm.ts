/**
 * The alert storm of issue 12's figure, as data and a sender: `groups` alert groups, `alerts` alerts,
 * spread over `calls` webhook calls of equal size. Even groups come from a Grafana source (HMAC over
 * `<timestamp>:<body>`), odd groups from an Alertmanager source (bearer token), so both payload schemas,
 * both auth checks and the replay ledger are on the measured path. Each call carries new alerts of its
 * group (a group's calls add up to its alerts), as a storm of fresh alerts does; sending the plan again is
 * a pure resend. The chat part of the benchmark can reuse the plan and the sender against a bot process.
 */
import { createHmac } from "node:crypto";
import { Agent, request } from "node:http";

export const GRAFANA_SECRET = "bench-grafana-hmac-secret-0123456789";
export const AM_TOKEN = "bench-alertmanager-token-0123456789";
export const TIMESTAMP_HEADER = "X-Grafana-Alerting-Signature-Timestamp";

export interface StormCall {
  path: string;
  group: number;
  body: string;
  kind: "grafana" | "alertmanager";
}

export interface StormShape {
  alerts: number;
  groups: number;
  calls: number;
}

/** Alertname of group `n`; `groupOf` reads the number back. */
const ALERTNAME = "PveHostDown";

export function groupOf(alertname: string | undefined): number {
  return alertname?.startsWith(ALERTNAME) ? Number(alertname.slice(ALERTNAME.length)) : Number.NaN;
}

function alert(group: number, index: number, status: "firing" | "resolved") {
  return {
    status,
    labels: {
      alertname: `${ALERTNAME}${group}`,
      instance: `pve${index}:9221`,
      severity: "critical",
      job: "pve",
    },
    annotations: { summary: `node ${index} of group ${group} is not answering` },
    startsAt: "2026-01-01T10:00:00.123456789Z",
    endsAt: status === "resolved" ? "2026-01-01T10:30:00Z" : "0001-01-01T00:00:00Z",
    generatorURL: `http://grafana.example/alerting/grafana/rule${group}/view`,
    fingerprint: `${group.toString(16).padStart(8, "0")}${index.toString(16).padStart(8, "0")}`,
  };
}

function body(kind: StormCall["kind"], group: number, alerts: ReturnType<typeof alert>[]): string {
  const common = { alertname: `${ALERTNAME}${group}`, severity: "critical", job: "pve" };
  const base = {
    receiver: "chatops",
    status: alerts.some((a) => a.status === "firing") ? "firing" : "resolved",
    groupLabels: { alertname: common.alertname },
    commonLabels: common,
    commonAnnotations: {},
    externalURL: "http://grafana.example/",
    groupKey: `{}:{alertname="${common.alertname}"}`,
    truncatedAlerts: 0,
  };
  if (kind === "alertmanager") return JSON.stringify({ version: "4", ...base, alerts });
  return JSON.stringify({
    version: "1",
    ...base,
    orgId: 1,
    state: "alerting",
    title: `[FIRING:${alerts.length}] ${common.alertname}`,
    alerts: alerts.map((a) => ({
      ...a,
      silenceURL: "http://grafana.example/alerting/silence/new",
      values: { A: 1 },
    })),
  });
}

/**
 * The calls of one storm, in sending order (round-robin over groups, so groups interleave). Groups are
 * numbered from `firstGroup`, so a warm-up storm can use groups of its own.
 */
export function stormPlan(shape: StormShape, firstGroup = 0): StormCall[] {
  const perCall = shape.alerts / shape.calls;
  if (!Number.isInteger(perCall)) throw new Error("alerts must divide evenly into calls");
  const sent = new Array<number>(shape.groups).fill(0);
  return Array.from({ length: shape.calls }, (_, i) => {
    const slot = i % shape.groups;
    const group = firstGroup + slot;
    const kind = group % 2 === 0 ? "grafana" : "alertmanager";
    const alerts = Array.from({ length: perCall }, (_, j) => alert(group, sent[slot]! + j, "firing"));
    sent[slot]! += perCall;
    return { path: `/webhooks/${kind}`, group, kind, body: body(kind, group, alerts) };
  });
}

export interface CallAnswer {
  status: number;
  ms: number;
  changed?: boolean;
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

/** Sends one call the way its source would (fresh HMAC timestamp for Grafana, bearer for Alertmanager). */
function send(base: string, call: StormCall): Promise<CallAnswer> {
  const started = performance.now();
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (call.kind === "grafana") {
    // A new timestamp per send: a resend is a new signature, as Grafana's own retries are.
    const ts = String(Math.floor(Date.now() / 1000));
    headers[TIMESTAMP_HEADER] = ts;
    headers["X-Grafana-Alerting-Signature"] = createHmac("sha256", GRAFANA_SECRET)
      .update(`${ts}:${call.body}`)
      .digest("hex");
  } else headers.authorization = `Bearer ${AM_TOKEN}`;
  return new Promise((resolve, reject) => {
    const req = request(`${base}${call.path}`, { method: "POST", headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        const changed =
          res.statusCode === 200 ? (JSON.parse(text) as { changed: boolean }).changed : undefined;
        resolve({ status: res.statusCode ?? 0, ms: performance.now() - started, changed });
      });
    });
    req.on("error", reject);
    req.end(call.body);
  });
}

/** Sends every call with at most `concurrency` in flight; answers in plan order. */
export async function sendAll(
  base: string,
  calls: readonly StormCall[],
  concurrency: number,
): Promise<CallAnswer[]> {
  const answers: CallAnswer[] = new Array(calls.length);
  let next = 0;
  async function lane(): Promise<void> {
    while (next < calls.length) {
      const i = next++;
      answers[i] = await send(base, calls[i]!);
    }
  }
  await Promise.all(Array.from({ length: concurrency }, lane));
  return answers;
}

export function closeSender(): void {
  agent.destroy();
}
