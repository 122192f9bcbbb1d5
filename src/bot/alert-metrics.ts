/**
 * Alert webhook counters for /metrics, on the bot's own registry. The `source` label is a configured
 * source name (config restricts them to short lower-case names), so senders cannot create new series.
 */
import { Counter, type Registry } from "prom-client";
import { REJECTION_REASONS, type WebhookObserver } from "../adapters/grafana/webhook-handler.js";

export function createAlertMetrics(registry: Registry): WebhookObserver {
  const received = new Counter({
    name: "alerts_received_total",
    help: "Alerts in webhook calls that passed auth and validation, by source",
    labelNames: ["source"] as const,
    registers: [registry],
  });
  const stored = new Counter({
    name: "alerts_stored_total",
    help: "Alerts in calls that changed their group in Redis, by source",
    labelNames: ["source"] as const,
    registers: [registry],
  });
  const duplicates = new Counter({
    name: "alerts_duplicates_total",
    help: "Alerts in calls that changed nothing (same fingerprint, status and startsAt already stored)",
    labelNames: ["source"] as const,
    registers: [registry],
  });
  const rejected = new Counter({
    name: "alert_webhooks_rejected_total",
    help: `Alert webhook calls refused, by source and reason (${REJECTION_REASONS.join(", ")})`,
    labelNames: ["source", "reason"] as const,
    registers: [registry],
  });
  return {
    accepted(source, outcome) {
      received.inc({ source }, outcome.alerts);
      (outcome.changed ? stored : duplicates).inc({ source }, outcome.alerts);
    },
    rejected(source, reason) {
      rejected.inc({ source, reason });
    },
  };
}
