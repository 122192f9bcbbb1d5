/**
 * The demo's `:alert firing` / `:alert resolved`: a sample Grafana webhook (version "1", the fields Grafana
 * 11/12 send, with values and links), signed the way Grafana signs it (HMAC-SHA256 over
 * `<timestamp>:<body>` with the timestamp header), posted to the demo bot's own `/webhooks/grafana`. The
 * alert then takes the same path as a real one: webhook, store, routed conversation, living message.
 */
import { createHmac } from "node:crypto";
import type { ExtraConsoleCommand } from "../adapters/console/console-adapter.js";

/** The demo config's Grafana source uses this secret; a loopback-only demo needs no real one. */
export const DEMO_WEBHOOK_SECRET = "demo-only-grafana-webhook-secret";

const FINGERPRINT = "d3m0a1e27f00cafe";
const LINKS = {
  generatorURL: "http://grafana.demo.invalid/alerting/grafana/pve-node-cpu/view?orgId=1",
  silenceURL: "http://grafana.demo.invalid/alerting/silence/new?matcher=alertname%3DPveHostHighCpu&orgId=1",
  dashboardURL: "http://grafana.demo.invalid/d/proxmox?orgId=1",
  panelURL: "http://grafana.demo.invalid/d/proxmox?orgId=1&viewPanel=4",
};

/** Grafana's webhook body for one alert on pve1, firing since `startsAt` or resolved at `now`. */
export function demoGrafanaPayload(
  state: "firing" | "resolved",
  startsAt: number,
  now: number,
): Record<string, unknown> {
  const labels = {
    alertname: "PveHostHighCpu",
    instance: "pve1",
    severity: "critical",
    job: "pve",
    grafana_folder: "Proxmox",
  };
  const annotations = {
    summary: "CPU above 90% on pve1 for 10 minutes",
    description: "Guests on pve1 compete for CPU; consider migrating one.",
    runbook_url: "https://runbooks.demo.invalid/proxmox/high-cpu",
  };
  const zero = "0001-01-01T00:00:00Z";
  return {
    receiver: "proxmox-chatops",
    status: state,
    orgId: 1,
    alerts: [
      {
        status: state,
        labels,
        annotations,
        startsAt: new Date(startsAt).toISOString(),
        endsAt: state === "resolved" ? new Date(now).toISOString() : zero,
        fingerprint: FINGERPRINT,
        ...LINKS,
        values: state === "firing" ? { A: 0.934, C: 1 } : { A: 0.412, C: 0 },
        valueString: `[ var='A' labels={instance=pve1} value=${state === "firing" ? 0.934 : 0.412} ]`,
        orgId: 1,
      },
    ],
    groupLabels: { alertname: "PveHostHighCpu", grafana_folder: "Proxmox" },
    commonLabels: labels,
    commonAnnotations: annotations,
    externalURL: "http://grafana.demo.invalid/",
    version: "1",
    groupKey:
      '{}/{__grafana_receiver__="proxmox-chatops"}:{alertname="PveHostHighCpu", grafana_folder="Proxmox"}',
    truncatedAlerts: 0,
    title: `[${state.toUpperCase()}:1] PveHostHighCpu Proxmox (pve1 critical)`,
    state: state === "firing" ? "alerting" : "ok",
    message: `${state}: CPU above 90% on pve1`,
  };
}

/** Headers Grafana sends with an HMAC-signed webhook that carries a timestamp. */
export function grafanaSignature(
  secret: string,
  body: string,
  timestampSeconds: number,
): Record<string, string> {
  const timestamp = String(timestampSeconds);
  return {
    "content-type": "application/json",
    "x-grafana-alerting-signature": createHmac("sha256", secret).update(`${timestamp}:${body}`).digest("hex"),
    "x-grafana-alerting-signature-timestamp": timestamp,
  };
}

/** How long `:alert` waits for the bot's HTTP port: the console may read its first lines before it listens. */
const PORT_WAIT_MS = 10_000;

/**
 * `:alert firing|resolved` for the console. `webhookUrl` is asked when the command runs and is undefined
 * until the bot's HTTP server listens.
 */
export function demoAlertCommand(
  webhookUrl: () => string | undefined,
  now: () => number = Date.now,
): ExtraConsoleCommand {
  const url = async () => {
    const until = Date.now() + PORT_WAIT_MS;
    while (webhookUrl() === undefined && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    const found = webhookUrl();
    if (!found) throw new Error("the bot's HTTP server is not listening; the demo needs it for :alert");
    return found;
  };
  let startsAt: number | undefined;
  return {
    usage: ":alert firing|resolved           send a signed sample Grafana alert to the bot's webhook",
    async run(args) {
      const state = args[0];
      if (state !== "firing" && state !== "resolved")
        throw new Error("usage: :alert firing or :alert resolved");
      startsAt = state === "firing" || startsAt === undefined ? now() : startsAt;
      const body = JSON.stringify(demoGrafanaPayload(state, startsAt, now()));
      const headers = grafanaSignature(DEMO_WEBHOOK_SECRET, body, Math.floor(now() / 1000));
      const target = await url();
      const response = await fetch(target, { method: "POST", headers, body }).catch(() => undefined);
      if (!response) throw new Error(`the bot's webhook at ${target} did not answer`);
      if (response.status === 404)
        throw new Error("this bot has no Grafana webhook (alerts are not configured)");
      if (response.status < 200 || response.status > 299) {
        throw new Error(`the webhook answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
      }
      return `sent a ${state} Grafana alert (PveHostHighCpu on pve1); the bot answered ${response.status}`;
    },
  };
}
