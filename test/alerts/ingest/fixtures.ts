/** The saved webhook bodies (see fixtures/README.md) and small builders for test payloads. */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const DIR = join(import.meta.dirname, "fixtures");

export function fixture(name: string): string {
  return readFileSync(join(DIR, name), "utf8");
}

export const FIXTURES = readdirSync(DIR).filter((f) => f.endsWith(".json"));

export function kindOf(file: string): "grafana" | "alertmanager" {
  return file.startsWith("grafana") ? "grafana" : "alertmanager";
}

/** An Alertmanager v4 body with `count` alerts in group `group`, firing or resolved. */
export function amPayload(
  group: string,
  count: number,
  options: { status?: "firing" | "resolved"; startsAt?: string; labels?: Record<string, string> } = {},
) {
  const status = options.status ?? "firing";
  const startsAt = options.startsAt ?? "2026-01-01T10:00:00Z";
  const common = { alertname: `Alert${group}`, severity: "warning", ...options.labels };
  return {
    version: "4",
    groupKey: `{}:{alertname="Alert${group}"}`,
    truncatedAlerts: 0,
    status,
    receiver: "chatops",
    groupLabels: { alertname: common.alertname },
    commonLabels: common,
    commonAnnotations: { summary: `group ${group}` },
    externalURL: "http://am.example:9093",
    alerts: Array.from({ length: count }, (_, i) => ({
      status,
      labels: { ...common, instance: `host${i}` },
      annotations: { summary: `group ${group}` },
      startsAt,
      endsAt: status === "resolved" ? "2026-01-01T11:00:00Z" : "0001-01-01T00:00:00Z",
      generatorURL: "http://prom.example:9090/graph",
      fingerprint: `${group}-${i}`.padStart(16, "0"),
    })),
  };
}
