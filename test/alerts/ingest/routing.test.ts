import { describe, expect, it } from "vitest";
import { alertsConfigSchema } from "../../../src/bot/config/alerts.js";
import { parseMatcher } from "../../../src/services/alerts/matchers.js";
import type { AlertBatch } from "../../../src/services/alerts/model.js";
import { createAlertRouting } from "../../../src/services/alerts/routing.js";

function matches(text: string, labels: Record<string, string>): boolean {
  const parsed = parseMatcher(text);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.matcher.matches(labels);
}

function batch(labels: Record<string, string>): AlertBatch {
  return {
    source: "alertmanager",
    sourceName: "am",
    receiver: "r",
    groupKey: "k",
    status: "firing",
    groupLabels: {},
    commonLabels: labels,
    commonAnnotations: {},
    truncatedAlerts: 0,
    alerts: [],
    receivedAt: 0,
  };
}

describe("matchers (Alertmanager semantics)", () => {
  it("= and != compare whole values; a missing label is the empty string", () => {
    expect(matches("severity=critical", { severity: "critical" })).toBe(true);
    expect(matches('severity="critical"', { severity: "critical-ish" })).toBe(false);
    expect(matches("severity!=critical", { severity: "warning" })).toBe(true);
    expect(matches("severity!=critical", { severity: "critical" })).toBe(false);
    expect(matches('team=""', {})).toBe(true);
    expect(matches("team!=ops", {})).toBe(true);
  });

  it("=~ and !~ are anchored at both ends", () => {
    expect(matches('severity=~"crit.*"', { severity: "critical" })).toBe(true);
    expect(matches('severity=~"crit"', { severity: "critical" })).toBe(false);
    expect(matches('instance=~"pve[0-9]+"', { instance: "xpve1" })).toBe(false);
    expect(matches('severity=~"warning|critical"', { severity: "critical" })).toBe(true);
    expect(matches('severity=~"a|b"', { severity: "xa" })).toBe(false);
    expect(matches('severity!~"info|debug"', { severity: "critical" })).toBe(true);
    expect(matches('severity!~"info|debug"', { severity: "info" })).toBe(false);
    expect(matches('team=~".*"', {})).toBe(true);
    expect(matches('team=~".+"', {})).toBe(false);
  });

  it("quoted values keep spaces and escapes; (?i) makes a regex case-insensitive", () => {
    expect(matches('alertname="High CPU"', { alertname: "High CPU" })).toBe(true);
    expect(matches('summary="say \\"hi\\""', { summary: 'say "hi"' })).toBe(true);
    expect(matches('severity=~"(?i)CRITICAL"', { severity: "critical" })).toBe(true);
  });

  it("refuses what it cannot parse, saying why", () => {
    for (const [text, why] of [
      ["severity", "not a matcher"],
      ["9x=1", "not a matcher"],
      ['a="b', "double quotes"],
      ['a=~"("', "does not compile"],
    ] as const) {
      const parsed = parseMatcher(text);
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.message).toContain(why);
    }
  });
});

describe("routing", () => {
  const config = alertsConfigSchema.parse({
    routes: [
      {
        name: "critical",
        matchers: ['severity="critical"'],
        to: ["slack:CCRIT"],
        continue: true,
        oncall: ["slack:group:S1"],
      },
      {
        name: "pve",
        matchers: ['instance=~"pve.*"', "team!=db"],
        to: ["slack:CPVE", "slack:CCRIT"],
        role: "approver",
      },
      { name: "never", matchers: ["alertname=~.*"], to: ["console:ops"] },
    ],
    defaultRoute: { to: ["console:alerts"], escalate: { after: "15m" } },
  });
  const routing = createAlertRouting(config);
  const targets = (labels: Record<string, string>) =>
    routing
      .routeBatch(batch(labels))
      .map((m) => `${m.route}>${m.conversation.platform}:${m.conversation.channelId}`);

  it("stops at the first match unless it says continue; a conversation is used once", () => {
    expect(targets({ severity: "critical", instance: "pve1" })).toEqual([
      "critical>slack:CCRIT",
      "pve>slack:CPVE",
    ]);
    expect(targets({ severity: "warning", instance: "pve1" })).toEqual(["pve>slack:CPVE", "pve>slack:CCRIT"]);
  });

  it("continue into nothing else still uses the matched route, and unmatched goes to the default", () => {
    expect(targets({ severity: "critical", instance: "db1", team: "db" })).toEqual([
      "critical>slack:CCRIT",
      "never>console:ops",
    ]);
    expect(routing.routeBatch({ ...batch({}), commonLabels: {} })).toEqual([
      { route: "never", conversation: { platform: "console", channelId: "ops" } },
    ]);
  });

  it("falls back to the default route when no rule matches", () => {
    const only = createAlertRouting({ routes: config.routes.slice(0, 2), defaultRoute: config.defaultRoute });
    expect(only.routeBatch(batch({ severity: "info" }))).toEqual([
      { route: "default", conversation: { platform: "console", channelId: "alerts" } },
    ]);
    expect(createAlertRouting({ routes: [] }).routeBatch(batch({}))).toEqual([]);
  });

  it("gives each route's policy, the default's for unknown names", () => {
    expect(routing.policyFor("critical")).toEqual({
      name: "critical",
      oncall: ["slack:group:S1"],
      role: "operator",
    });
    expect(routing.policyFor("pve").role).toBe("approver");
    expect(routing.policyFor("default")).toEqual({
      name: "default",
      oncall: [],
      role: "operator",
      escalate: { afterMs: 900_000, times: 3 },
    });
    expect(routing.policyFor("gone").name).toBe("default");
  });
});

describe("alerts config", () => {
  const issues = (input: unknown) => {
    const result = alertsConfigSchema.safeParse(input);
    return result.success ? [] : result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  };
  const secret = "0123456789abcdef0123";

  it("has the documented defaults", () => {
    const parsed = alertsConfigSchema.parse({
      sources: { grafana: { kind: "grafana", auth: { type: "hmac", secret } } },
    });
    expect(parsed.bodyLimit).toBe(1024 * 1024);
    expect(parsed.labels).toEqual(["alertname", "instance", "severity", "job"]);
    expect(parsed.sources.grafana?.auth).toEqual({
      type: "hmac",
      secret,
      header: "X-Grafana-Alerting-Signature",
      replayWindow: 300_000,
    });
  });

  it("refuses a bad matcher with its key", () => {
    expect(issues({ routes: [{ name: "r", matchers: ['a=~"("'], to: ["slack:C1"] }] })[0]).toMatch(
      /^routes\.0\.matchers\.0: .*does not compile/,
    );
  });

  it("refuses a source without auth unless allowUnauthenticated, and two sources on one path", () => {
    expect(issues({ sources: { am: { kind: "alertmanager", auth: { type: "none" } } } })).toEqual([
      "sources.am.auth: a webhook without auth needs allowUnauthenticated: true (or use hmac, bearer or basic)",
    ]);
    expect(
      issues({
        sources: { am: { kind: "alertmanager", auth: { type: "none" }, allowUnauthenticated: true } },
      }),
    ).toEqual([]);
    const two = issues({
      sources: {
        a: { kind: "grafana", auth: { type: "bearer", token: secret } },
        b: { kind: "alertmanager", path: "/webhooks/grafana", auth: { type: "bearer", token: secret } },
      },
    });
    expect(two).toEqual([
      "sources.b.path: /webhooks/grafana is already the path of source a; give each source its own path",
    ]);
  });

  it("refuses bad subjects, a short secret and a route named default", () => {
    const found = issues({
      sources: { g: { kind: "grafana", auth: { type: "hmac", secret: "short" } } },
      routes: [{ name: "default", to: ["C0123"], oncall: ["slack:S1"] }],
    });
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^sources\.g\.auth\.secret: /),
        expect.stringMatching(/^routes\.0\.name: /),
        expect.stringMatching(/^routes\.0\.to\.0: /),
        expect.stringMatching(/^routes\.0\.oncall\.0: /),
      ]),
    );
  });
});
