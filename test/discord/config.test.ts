/** The `discord:` section: from the environment (token also from a file), and refusals that say what to fix. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { discordConfigSchema } from "../../src/adapters/discord/config.js";
import { formatConfigErrors, loadConfig } from "../../src/bot/config/load.js";

const TOKEN = "MTIxMDAwMDAwMDAwMDAwMDAwMQ.GfAkE1.abcdefghijklmnopqrstuvwxyz012345";
const issues = (input: unknown) => {
  const r = discordConfigSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
};

describe("discord config", () => {
  it("comes from DISCORD_* variables, the token also from DISCORD_TOKEN_FILE", () => {
    const dir = mkdtempSync(join(tmpdir(), "discord-config-"));
    writeFileSync(join(dir, "token"), `${TOKEN}\n`);
    const result = loadConfig({
      argv: [],
      cwd: dir,
      env: {
        DISCORD_TOKEN_FILE: "token",
        DISCORD_APP_ID: "1210000000000000001",
        DISCORD_GUILD_IDS: "1000000000000000001, 1000000000000000002",
        DISCORD_API_URL: "http://127.0.0.1:9999/api/v10",
        DISCORD_GATEWAY_URL: "ws://127.0.0.1:9999/gateway",
      },
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.discord).toMatchObject({
      token: TOKEN,
      appId: "1210000000000000001",
      guildIds: ["1000000000000000001", "1000000000000000002"],
      apiUrl: "http://127.0.0.1:9999/api/v10",
      gatewayUrl: "ws://127.0.0.1:9999/gateway",
      actionMaxAge: 7 * 86_400_000,
    });
  });

  it("defaults to Discord's own REST and the gateway it names", () => {
    const c = discordConfigSchema.parse({
      token: TOKEN,
      appId: "1210000000000000001",
      guildIds: ["1000000000000000001"],
    });
    expect(c.apiUrl).toBe("https://discord.com/api/v10");
    expect(c.gatewayUrl).toBeUndefined();
  });

  it("refuses what would not work, saying what to fix", () => {
    expect(
      issues({
        token: `Bot ${TOKEN}`,
        appId: "abc",
        guildIds: [],
        apiUrl: "http://discord.example/api/v10",
        gatewayUrl: "ws://gw.example",
      }),
    ).toEqual([
      "token: give the token without the 'Bot ' prefix",
      "token: a bot token is three dot-separated parts (Developer Portal → Bot → Reset Token)",
      "appId: a Discord id: 17 to 20 digits (Developer Mode → Copy ID)",
      "guildIds: list at least one guild (server) id the bot answers in",
      expect.stringMatching(/^apiUrl: plain http\/ws would send the bot token in clear/),
      expect.stringMatching(/^gatewayUrl: plain http\/ws would send the bot token in clear/),
    ]);
  });

  it("never shows a token that fails validation", () => {
    const bad = "not-a-token-but-a-secret-all-the-same";
    const result = loadConfig({
      argv: [],
      env: {
        DISCORD_TOKEN: bad,
        DISCORD_APP_ID: "1210000000000000001",
        DISCORD_GUILD_IDS: "1000000000000000001",
      },
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const text = formatConfigErrors(result.errors);
    expect(text).toContain("discord.token");
    expect(text).not.toContain(bad);
  });
});
