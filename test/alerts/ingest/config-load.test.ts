/** The alert sources' secrets come from the environment or `_FILE` files, and never show in errors. */
import { describe, expect, it } from "vitest";
import { formatConfigErrors, loadConfig } from "../../../src/bot/config/load.js";

const FILE = `
alerts:
  sources:
    grafana: { kind: grafana, auth: { type: hmac, timestampHeader: X-Grafana-Alerting-Signature-Timestamp } }
    alertmanager: { kind: alertmanager, auth: { type: basic, username: am } }
`;
const SECRET = "grafana-secret-from-a-file-0123";
const PASSWORD = "am-password-from-env-0123";

function load(env: Record<string, string>, files: Record<string, string> = {}) {
  const all: Record<string, string> = { "/etc/pvebot/config.yml": FILE, ...files };
  return loadConfig({
    argv: ["--config", "/etc/pvebot/config.yml"],
    env,
    cwd: "/",
    readFile: (path) => {
      const text = all[path];
      if (text === undefined) throw Object.assign(new Error("nope"), { code: "ENOENT" });
      return text;
    },
  });
}

describe("alert source secrets", () => {
  it("are read from NAME_FILE and NAME", () => {
    const result = load(
      {
        PVEBOT_GRAFANA_WEBHOOK_SECRET_FILE: "/run/secrets/grafana",
        PVEBOT_ALERTMANAGER_WEBHOOK_PASSWORD: PASSWORD,
      },
      { "/run/secrets/grafana": `${SECRET}\n` },
    );
    if (!result.ok) throw new Error(formatConfigErrors(result.errors));
    expect(result.config.alerts.sources.grafana?.auth).toMatchObject({ type: "hmac", secret: SECRET });
    expect(result.config.alerts.sources.alertmanager?.auth).toEqual({
      type: "basic",
      username: "am",
      password: PASSWORD,
    });
  });

  it("a missing secret names the key, and a bad one is not echoed", () => {
    const missing = load({});
    expect(missing.ok).toBe(false);
    const text = missing.ok ? "" : formatConfigErrors(missing.errors);
    expect(text).toContain("alerts.sources.grafana.auth.secret");
    expect(text).toContain("alerts.sources.alertmanager.auth.password");
    const short = load({
      PVEBOT_GRAFANA_WEBHOOK_SECRET: "tiny-secret",
      PVEBOT_ALERTMANAGER_WEBHOOK_PASSWORD: PASSWORD,
    });
    const shortText = short.ok ? "" : formatConfigErrors(short.errors);
    expect(shortText).toContain("alerts.sources.grafana.auth.secret");
    expect(shortText).not.toContain("tiny-secret");
  });
});
