import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ENV_BINDINGS } from "../../src/bot/config/env.js";
import { formatConfigErrors, loadConfig } from "../../src/bot/config/load.js";
import { schemaWithSecrets, scratchDir } from "./helpers.js";

const TOKEN_SECRET = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
const BOT_TOKEN = "xoxb-1111-2222-Sup3rS3cretBotToken";
const SIGNING = "8f742231b10e8888abcd99yyyzzz85a5";

let scratch: ReturnType<typeof scratchDir>;
beforeEach(() => {
  scratch = scratchDir();
});
afterEach(() => scratch.cleanup());

describe("secrets from NAME_FILE", () => {
  it("reads the file and trims only the trailing newline", () => {
    const secretFile = scratch.write("run/token-secret", `${TOKEN_SECRET}\n`);
    const result = loadConfig({
      env: {
        PROXMOX_URL: "https://pve:8006",
        PROXMOX_TOKEN_ID: "bot@pve!ops",
        PROXMOX_TOKEN_SECRET_FILE: secretFile,
      },
      cwd: scratch.dir,
      schema: schemaWithSecrets,
    });
    if (!result.ok) throw new Error(formatConfigErrors(result.errors));
    expect(result.config.proxmox?.tokenSecret).toBe(TOKEN_SECRET);
    expect(result.source.env).toContain("PROXMOX_TOKEN_SECRET_FILE");
  });

  it("keeps inner whitespace and a CRLF-terminated file works too", () => {
    scratch.write("sig", `${SIGNING}\r\n`);
    const result = loadConfig({
      env: { SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET_FILE: "sig" },
      cwd: scratch.dir,
      schema: schemaWithSecrets,
    });
    if (!result.ok) throw new Error(formatConfigErrors(result.errors));
    expect(result.config.slack?.signingSecret).toBe(SIGNING);
  });

  it("reports an unreadable _FILE with the variable and the path", () => {
    const errors = loadConfig({
      env: { SLACK_BOT_TOKEN_FILE: "/nonexistent/pvebot/bot-token" },
      cwd: scratch.dir,
      schema: schemaWithSecrets,
    });
    expect(errors.ok).toBe(false);
    if (errors.ok) return;
    expect(errors.errors).toEqual([
      {
        path: "slack.botToken",
        message: "SLACK_BOT_TOKEN_FILE: cannot read /nonexistent/pvebot/bot-token: no such file",
      },
    ]);
  });

  it("refuses both NAME and NAME_FILE without showing the value", () => {
    const file = scratch.write("tok", BOT_TOKEN);
    const result = loadConfig({
      env: { SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_BOT_TOKEN_FILE: file },
      cwd: scratch.dir,
      schema: schemaWithSecrets,
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual([
      {
        path: "slack.botToken",
        message: "both SLACK_BOT_TOKEN and SLACK_BOT_TOKEN_FILE are set; set only one",
      },
    ]);
  });

  it("every secret row can come from a file", () => {
    const secretRows = ENV_BINDINGS.filter((b) => b.secret).map((b) => b.name);
    expect(secretRows.sort()).toEqual(
      [
        "DISCORD_TOKEN",
        "PROXMOX_TOKEN_SECRET",
        "SLACK_APP_TOKEN",
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "PVEBOT_GRAFANA_WEBHOOK_SECRET",
        "PVEBOT_GRAFANA_WEBHOOK_TOKEN",
        "PVEBOT_GRAFANA_API_TOKEN",
        "PVEBOT_ALERTMANAGER_WEBHOOK_TOKEN",
        "PVEBOT_ALERTMANAGER_WEBHOOK_PASSWORD",
      ].sort(),
    );
  });
});

describe("secret values never appear in error output", () => {
  it("hides secrets that fail validation, from the environment, from files and from the YAML file", () => {
    const badSecretFile = scratch.write("bad-secret", `${TOKEN_SECRET}-not-a-uuid\n`);
    const file = scratch.write(
      "c.yml",
      [
        "slack:",
        `  botToken: "${BOT_TOKEN}"`,
        `  signingSecret: "${SIGNING}-too-long"`,
        `  appToken: "xoxp-${SIGNING}"`,
        `redis: { url: "http://:${SIGNING}@redis" }`,
      ].join("\n"),
    );
    const env = {
      PROXMOX_URL: "https://pve:8006",
      PROXMOX_TOKEN_ID: "bot@pve!ops",
      PROXMOX_TOKEN_SECRET_FILE: badSecretFile,
      SLACK_BOT_TOKEN: `not-xoxb-${BOT_TOKEN}`,
      PVEBOT_HTTP_PORT: "eighty",
    };
    const result = loadConfig({ argv: ["--config", file], env, cwd: scratch.dir, schema: schemaWithSecrets });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const text = formatConfigErrors(result.errors);
    expect(result.errors.map((e) => e.path).sort()).toEqual(
      [
        "http.port",
        "proxmox.tokenSecret",
        "redis.url",
        "slack.appToken",
        "slack.botToken",
        "slack.signingSecret",
      ].sort(),
    );
    for (const secret of [TOKEN_SECRET, BOT_TOKEN, SIGNING]) expect(text).not.toContain(secret);
    expect(text).toContain("slack.botToken: must start with xoxb- (set by SLACK_BOT_TOKEN)");
  });

  it("hides a secret on a line with a YAML syntax error", () => {
    const file = scratch.write(
      "broken.yml",
      `slack:\n  botToken: "${BOT_TOKEN}\n  signingSecret: [${SIGNING}\n`,
    );
    const result = loadConfig({ argv: ["--config", file], env: {}, schema: schemaWithSecrets });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.length).toBeGreaterThan(0);
    const text = formatConfigErrors(result.errors);
    expect(text).not.toContain(BOT_TOKEN);
    expect(text).not.toContain(SIGNING);
  });

  it("does not show a secret-typed env value that fails type conversion", () => {
    const result = loadConfig({
      env: { PVEBOT_HTTP_PORT: "1" },
      bindings: [{ name: "PVEBOT_HTTP_PORT", path: "http.port", type: "number", secret: true }],
      cwd: scratch.dir,
    });
    expect(result.ok).toBe(true);
    const bad = loadConfig({
      env: { PVEBOT_HTTP_PORT: "s3cr3t-port" },
      bindings: [{ name: "PVEBOT_HTTP_PORT", path: "http.port", type: "number", secret: true }],
      cwd: scratch.dir,
    });
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.errors[0]!.message).toBe("PVEBOT_HTTP_PORT: expected a number, got (value hidden)");
  });

  it("reports a file it may not read without its content", () => {
    const file = scratch.write("locked.yml", `slack: { botToken: "${BOT_TOKEN}" }\n`);
    // Tests run as root, which reads mode-000 files, so the refusal comes from an injected reader.
    const readFile = (path: string): string => {
      throw Object.assign(new Error(`EACCES: permission denied, open '${path}'`), { code: "EACCES" });
    };
    const result = loadConfig({ argv: ["--config", file], env: {}, readFile });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual([
      { path: file, message: "cannot read the config file: permission denied" },
    ]);
  });
});
