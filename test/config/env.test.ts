import { describe, expect, it } from "vitest";
import { ENV_BINDINGS, type EnvBinding, parseEnvValue, readEnvOverrides } from "../../src/bot/config/env.js";

const list: EnvBinding = { name: "PVEBOT_ADMINS", path: "rbac.admins", type: "list" };
const flag: EnvBinding = { name: "PVEBOT_RUN_WORKER", path: "jobs.runWorker", type: "boolean" };
const num: EnvBinding = { name: "PVEBOT_HTTP_PORT", path: "http.port", type: "number" };

describe("parseEnvValue", () => {
  it("splits lists on commas and drops blanks", () => {
    expect(parseEnvValue(list, " a, b ,,c ", list.name)).toEqual({ ok: true, value: ["a", "b", "c"] });
  });

  it("accepts the usual spellings of booleans and nothing else", () => {
    for (const yes of ["true", "TRUE", "1", "yes", "On"])
      expect(parseEnvValue(flag, yes, flag.name)).toEqual({ ok: true, value: true });
    for (const no of ["false", "0", "no", "OFF"])
      expect(parseEnvValue(flag, no, flag.name)).toEqual({ ok: true, value: false });
    expect(parseEnvValue(flag, "enabled", flag.name).ok).toBe(false);
  });

  it("accepts decimal numbers only", () => {
    for (const [text, value] of [
      ["8080", 8080],
      [" 42 ", 42],
      ["-1", -1],
      ["1.5", 1.5],
      ["1e3", 1000],
    ] as const) {
      expect(parseEnvValue(num, text, num.name)).toEqual({ ok: true, value });
    }
    for (const bad of ["0x1F", "80a", "", "Infinity", "NaN", "1,000"])
      expect(parseEnvValue(num, bad, num.name).ok).toBe(false);
  });
});

describe("ENV_BINDINGS", () => {
  it("holds the documented rows with unique names and paths", () => {
    const rows = Object.fromEntries(ENV_BINDINGS.map((b) => [b.name, b.path]));
    expect(rows).toMatchObject({
      REDIS_URL: "redis.url",
      PVEBOT_REDIS_PREFIX: "redis.prefix",
      PVEBOT_HTTP_PORT: "http.port",
      PVEBOT_HTTP_HOST: "http.host",
      LOG_LEVEL: "log.level",
      LOG_FORMAT: "log.format",
      PVEBOT_RUN_WORKER: "jobs.runWorker",
      PROXMOX_URL: "proxmox.url",
      PROXMOX_TOKEN_ID: "proxmox.tokenId",
      PROXMOX_TOKEN_SECRET: "proxmox.tokenSecret",
      PROXMOX_TLS_FINGERPRINT: "proxmox.tlsFingerprint",
      PROXMOX_TLS_CA_FILE: "proxmox.tlsCaFile",
      PROXMOX_ALLOW_INSECURE_HTTP: "proxmox.allowInsecureHttp",
      SLACK_BOT_TOKEN: "slack.botToken",
      SLACK_SIGNING_SECRET: "slack.signingSecret",
      SLACK_APP_TOKEN: "slack.appToken",
      SLACK_API_URL: "slack.apiUrl",
      DISCORD_TOKEN: "discord.token",
      DISCORD_APP_ID: "discord.appId",
      DISCORD_GUILD_IDS: "discord.guildIds",
      DISCORD_API_URL: "discord.apiUrl",
      DISCORD_GATEWAY_URL: "discord.gatewayUrl",
    });
    expect(new Set(ENV_BINDINGS.map((b) => b.name)).size).toBe(ENV_BINDINGS.length);
    expect(new Set(ENV_BINDINGS.map((b) => b.path)).size).toBe(ENV_BINDINGS.length);
  });

  it("ignores rows that are not set and reports nothing for an empty environment", () => {
    expect(readEnvOverrides({}, ENV_BINDINGS, { cwd: "/" })).toEqual({
      overrides: [],
      errors: [],
      secretValues: [],
    });
  });
});
