/**
 * The example files operators copy: Grafana provisioning (contact point with the HMAC secret from an env
 * variable, rules with summary and runbook), and the Alertmanager receiver, which the real amtool accepts.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { alertmanagerInstalled } from "../helpers/alertmanager.js";

/** Grafana expands `$`+`{NAME}` in provisioning files from its environment. */
const env = (name: string) => `$${"{"}${name}}`;

const read = (path: string) => parse(readFileSync(new URL(`../../${path}`, import.meta.url), "utf8"));

describe("alerting examples", () => {
  it("the Grafana contact point posts to the bot's route, signs with a secret from the environment", () => {
    const file = read("grafana/provisioning/alerting/contact-points.yaml");
    const settings = file.contactPoints[0].receivers[0].settings;
    expect(settings.url).toBe(`${env("CHATOPS_URL")}/webhooks/grafana`);
    expect(settings.hmacConfig).toEqual({
      secret: env("CHATOPS_WEBHOOK_SECRET"),
      header: "X-Grafana-Alerting-Signature",
      timestampHeader: "X-Grafana-Alerting-Signature-Timestamp",
    });
    expect(file.policies[0].receiver).toBe(file.contactPoints[0].name);
  });

  it("every example names Grafana's HMAC timestamp header the same way", () => {
    const files = ["config.example.yml", "config/demo.yml", "docs/ALERTS.md", "src/bot/demo-alerts.ts"];
    for (const file of [...files, "grafana/provisioning/alerting/contact-points.yaml"]) {
      const text = readFileSync(new URL(`../../${file}`, import.meta.url), "utf8");
      const names = new Set(text.match(/x-grafana-alerting-[a-z-]*timestamp/gi)?.map((n) => n.toLowerCase()));
      expect([...names], file).toEqual(["x-grafana-alerting-signature-timestamp"]);
    }
  });

  it("every example rule has a severity, a summary and a threshold on a pve-exporter query", () => {
    const rules = read("grafana/provisioning/alerting/pve-rules.yaml").groups.flatMap(
      (g: { rules: unknown[] }) => g.rules,
    );
    expect(rules.length).toBeGreaterThanOrEqual(6);
    for (const rule of rules) {
      expect(rule.labels.severity, rule.title).toMatch(/^(critical|warning)$/);
      expect(rule.annotations.summary, rule.title).toBeTruthy();
      expect(rule.data[0].model.expr, rule.title).toMatch(/pve_/);
      expect(rule.data.at(-1).refId, rule.title).toBe(rule.condition);
    }
  });

  it.skipIf(!alertmanagerInstalled())("the Alertmanager example passes amtool check-config", () => {
    const run = spawnSync("amtool", ["check-config", "alertmanager/alertmanager.yml"], { encoding: "utf8" });
    expect(run.stdout + run.stderr).toContain("SUCCESS");
    expect(run.status).toBe(0);
  });
});
