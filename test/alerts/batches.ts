/** Alert batches as the webhook side produces them, for the chat side's tests. */
import type { Alert, AlertBatch, AlertMessage } from "../../src/services/alerts/model.js";
import type { ConversationRef } from "../../src/services/vocabulary/identity.js";

export const T0 = Date.UTC(2026, 11, 4, 12, 0, 0);

export function alertOf(instance: string, overrides: Partial<Alert> = {}): Alert {
  return {
    fingerprint: `fp-${instance}`,
    status: "firing",
    labels: { alertname: "HostHighCpu", instance, severity: "critical", job: "pve" },
    annotations: { summary: `CPU above 90% on ${instance}`, runbook_url: "https://runbooks.example/cpu" },
    startsAt: T0,
    dashboardURL: "https://grafana.example/d/pve",
    panelURL: "https://grafana.example/d/pve?viewPanel=3",
    silenceURL: "https://grafana.example/alerting/silence/new",
    generatorURL: "https://grafana.example/alerting/grafana/cpu/view",
    values: { A: 93.25 },
    ...overrides,
  };
}

export function batchOf(alerts: Alert[], overrides: Partial<AlertBatch> = {}): AlertBatch {
  const firing = alerts.some((a) => a.status === "firing");
  return {
    source: "grafana",
    sourceName: "grafana",
    receiver: "chatops",
    groupKey: '{}:{alertname="HostHighCpu"}',
    status: firing ? "firing" : "resolved",
    groupLabels: { alertname: "HostHighCpu" },
    commonLabels: { alertname: "HostHighCpu", severity: "critical", job: "pve" },
    commonAnnotations: { runbook_url: "https://runbooks.example/cpu" },
    truncatedAlerts: 0,
    alerts,
    receivedAt: T0,
    ...overrides,
  };
}

/** The routing the webhook side would do: every group to these conversations under one route. */
export function routedTo(route: string, ...conversations: ConversationRef[]): () => AlertMessage[] {
  return () => conversations.map((conversation) => ({ route, conversation }));
}
