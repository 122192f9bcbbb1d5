import { describe, expect, it } from "vitest";
import { parseAlertmanagerPayload } from "../../../src/adapters/grafana/alertmanager-payload.js";
import { parseGrafanaPayload } from "../../../src/adapters/grafana/grafana-payload.js";
import { amPayload, FIXTURES, fixture, kindOf } from "./fixtures.js";

const AT = 1_800_000_000_000;
const parsers = { grafana: parseGrafanaPayload, alertmanager: parseAlertmanagerPayload };

function parse(kind: "grafana" | "alertmanager", body: unknown) {
  return parsers[kind](body, { kind, name: `my-${kind}` }, AT);
}

describe("saved webhook bodies", () => {
  it("there is one of each kind at least", () => {
    expect(FIXTURES.filter((f) => kindOf(f) === "grafana").length).toBeGreaterThanOrEqual(3);
    expect(FIXTURES.filter((f) => kindOf(f) === "alertmanager").length).toBeGreaterThanOrEqual(1);
  });

  it.each(FIXTURES)("%s validates and normalizes", (file) => {
    const raw = JSON.parse(fixture(file));
    const result = parse(kindOf(file), raw);
    if (!result.ok) throw new Error(`${file}: ${result.problem.path}: ${result.problem.message}`);
    const batch = result.batch;
    expect(batch.source).toBe(kindOf(file));
    expect(batch.sourceName).toBe(`my-${kindOf(file)}`);
    expect(batch.groupKey).toBe(raw.groupKey);
    expect(batch.status).toBe(raw.status);
    expect(batch.alerts.map((a) => a.fingerprint)).toEqual(
      raw.alerts.map((a: { fingerprint: string }) => a.fingerprint),
    );
    expect(batch.truncatedAlerts).toBe(raw.truncatedAlerts ?? 0);
    expect(batch.receivedAt).toBe(AT);
    for (const alert of batch.alerts) {
      // Firing alerts never carry an end: the senders put a zero or an estimate there.
      if (alert.status === "firing") expect(alert.endsAt).toBeUndefined();
      else expect(alert.endsAt).toBeGreaterThan(alert.startsAt);
      // Empty link strings are not links.
      for (const key of ["dashboardURL", "panelURL", "silenceURL", "imageURL", "generatorURL"] as const) {
        if (key in alert) expect(alert[key]).toMatch(/^https?:\/\//);
      }
    }
  });

  it("Grafana's optional fields come through: values, valueString, imageURL, dashboard and panel links, orgId", () => {
    const result = parse("grafana", JSON.parse(fixture("grafana-firing-values-v11.json")));
    if (!result.ok) throw new Error("did not validate");
    expect(result.batch.orgId).toBe(1);
    const [alert] = result.batch.alerts;
    expect(alert).toMatchObject({
      values: { A: 2473545728, B: 0, C: 1, minute: 9 },
      imageURL: "https://grafana.com/assets/img/blog/mixed_styles.png",
      dashboardURL: "https://play.grafana.org/d/ece9fb32-7f71-4be9-bd94-2f23608ae5b9?orgId=1",
      panelURL: "https://play.grafana.org/d/ece9fb32-7f71-4be9-bd94-2f23608ae5b9?orgId=1&viewPanel=2",
      startsAt: Date.parse("2024-03-01T02:09:00Z"),
    });
    expect(alert?.valueString).toContain("var='A'");
    expect(alert?.silenceURL).toContain("/alerting/silence/new");
  });

  it("null values, empty valueString and the zero startsAt of Grafana's test payload mean absent", () => {
    const result = parse("grafana", JSON.parse(fixture("grafana-firing-alerting-test.json")));
    if (!result.ok) throw new Error("did not validate");
    const [alert] = result.batch.alerts;
    expect(alert?.values).toBeUndefined();
    expect(alert?.valueString).toBeUndefined();
    expect(alert?.dashboardURL).toBeUndefined();
    expect(alert?.startsAt).toBe(0);
  });

  it("nanosecond times are read to the millisecond", () => {
    const result = parse("alertmanager", JSON.parse(fixture("alertmanager-firing.json")));
    if (!result.ok) throw new Error("did not validate");
    expect(result.batch.alerts[0]?.startsAt).toBe(Date.parse("2020-02-06T00:17:58.432Z"));
  });

  it("fields of newer versions are accepted and ignored (notification_reason, routeLabels, enrichments)", () => {
    const body = { ...amPayload("n", 1), notification_reason: "repeat", routeLabels: { team: "ops" } };
    expect(parse("alertmanager", body).ok).toBe(true);
    const grafana = JSON.parse(fixture("grafana-resolved-v9.json"));
    grafana.alerts[0].enrichments = { x: 1 };
    grafana.alerts[0].ruleUID = "abc";
    expect(parse("grafana", grafana).ok).toBe(true);
  });

  it("null label maps (Go's nil map) are empty maps", () => {
    const body = amPayload("z", 1);
    (body as { groupLabels: unknown }).groupLabels = null;
    const result = parse("alertmanager", body);
    expect(result.ok && result.batch.groupLabels).toEqual({});
  });
});

describe("bad bodies name the field", () => {
  // biome-ignore lint/suspicious/noExplicitAny: each case spoils a different part of a parsed JSON body
  type Body = Record<string, any>;
  const cases: [string, "grafana" | "alertmanager", (b: Body) => void, string][] = [
    [
      "Alertmanager body sent to the Grafana route",
      "grafana",
      (b) => {
        b.version = "4";
      },
      "version",
    ],
    [
      "Grafana body sent to the Alertmanager route",
      "alertmanager",
      (b) => {
        b.version = "1";
      },
      "version",
    ],
    [
      "a bad alert status",
      "alertmanager",
      (b) => {
        b.alerts[1].status = "pending";
      },
      "alerts.1.status",
    ],
    [
      "a time that is not RFC 3339",
      "alertmanager",
      (b) => {
        b.alerts[0].startsAt = "yesterday";
      },
      "alerts.0.startsAt",
    ],
    [
      "a missing fingerprint",
      "alertmanager",
      (b) => {
        delete b.alerts[0].fingerprint;
      },
      "alerts.0.fingerprint",
    ],
    [
      "a label that is not a string",
      "alertmanager",
      (b) => {
        b.commonLabels.severity = 3;
      },
      "commonLabels.severity",
    ],
    [
      "no alerts",
      "alertmanager",
      (b) => {
        b.alerts = [];
      },
      "alerts",
    ],
    [
      "values that are not numbers",
      "grafana",
      (b) => {
        b.alerts[0].values = { A: "high" };
      },
      "alerts.0.values.A",
    ],
  ];

  it.each(cases)("%s", (_name, kind, spoil, path) => {
    const body =
      kind === "grafana" ? JSON.parse(fixture("grafana-firing-values-v11.json")) : amPayload("b", 2);
    spoil(body);
    const result = parse(kind, body);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem.path).toBe(path);
  });

  it("a body that is not an object", () => {
    const result = parse("grafana", [1, 2]);
    expect(result.ok || result.problem.path).toBe("(body)");
  });
});
