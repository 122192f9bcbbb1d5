import { describe, expect, it } from "vitest";
import { slackConfigSchema } from "../../src/adapters/slack/config.js";

const issues = (input: unknown) => {
  const r = slackConfigSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
};

describe("slack config", () => {
  it("fills defaults for an HTTP-mode bot", () => {
    const c = slackConfigSchema.parse({ botToken: "xoxb-1-2-abc", signingSecret: "0123456789abcdef0123" });
    expect(c).toMatchObject({
      mode: "http",
      apiUrl: "https://slack.com/api/",
      command: "/pve",
      groupCacheTtl: 300_000,
      actionMaxAge: 7 * 86_400_000,
      handlers: { concurrency: 16, maxQueued: 5000 },
      outbox: { maxAttempts: 10, backoff: 500, maxBackoff: 30_000, maxRetryAfter: 120_000, pacing: true },
    });
  });

  it("parses durations and a custom command", () => {
    const c = slackConfigSchema.parse({
      mode: "socket",
      botToken: "xoxb-1",
      appToken: "xapp-1-A1-2-x",
      command: "/proxmox",
      groupCacheTtl: "90s",
      actionMaxAge: "1d",
      outbox: { backoff: "250ms" },
    });
    expect([c.groupCacheTtl, c.actionMaxAge, c.outbox.backoff, c.command]).toEqual([
      90_000,
      86_400_000,
      250,
      "/proxmox",
    ]);
  });

  it("names the missing secret for each mode", () => {
    expect(issues({ botToken: "xoxb-1" })).toEqual([
      "signingSecret: http mode needs the signing secret (SLACK_SIGNING_SECRET)",
    ]);
    expect(issues({ mode: "socket", botToken: "xoxb-1" })).toEqual([
      "appToken: socket mode needs an app-level token (SLACK_APP_TOKEN)",
    ]);
  });

  it("accepts http for the API only on a loopback address, naming why otherwise", () => {
    const base = { botToken: "xoxb-1", signingSecret: "0123456789abcdef0123" };
    for (const apiUrl of [
      "http://127.0.0.1:4010/api/",
      "http://127.8.9.10/api/",
      "http://localhost:4010/api/",
      "http://[::1]:4010/api/",
      "https://slack.com/api/",
      "https://egress.example/slack/api/",
    ]) {
      expect(issues({ ...base, apiUrl }), apiUrl).toEqual([]);
    }
    for (const apiUrl of [
      "http://slack.com/api/",
      "http://10.0.0.5:8080/api/",
      "http://127.0.0.1.example/api/",
      "http://localhost.example/api/",
      "http://[::2]/api/",
    ]) {
      expect(issues({ ...base, apiUrl }), apiUrl).toEqual([
        expect.stringMatching(/^apiUrl: plain http would send the bot token in clear; use https:\/\//),
      ]);
    }
  });

  it("lists every bad key at once", () => {
    const found = issues({
      mode: "websocket",
      botToken: "xoxp-user-token",
      appToken: "xoxb-wrong-kind",
      apiUrl: "slack.com/api",
      command: "pve",
      groupCacheTtl: "5 minutes",
      extra: true,
    });
    expect(found.map((f) => f.split(":")[0])).toEqual(
      expect.arrayContaining(["mode", "botToken", "appToken", "apiUrl", "command", "groupCacheTtl", ""]),
    );
    expect(found.join("\n")).toContain("a bot token starts with xoxb-");
  });
});
