/**
 * Every config section reads durations with the one shared primitive (days included), and the template
 * refresh schedule is checked with the cron parser BullMQ uses, so a bad cron or time zone stops the bot
 * at start naming the key instead of failing when the scheduler first reads it.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type ConfigError, loadConfig } from "../../src/bot/config/load.js";
import type { Config } from "../../src/bot/config/schema.js";
import { scratchDir } from "./helpers.js";

let scratch: ReturnType<typeof scratchDir>;
beforeEach(() => {
  scratch = scratchDir();
});
afterEach(() => scratch.cleanup());

function load(yaml: string): { ok: true; config: Config } | { ok: false; errors: ConfigError[] } {
  const result = loadConfig({ argv: ["--config", scratch.write("c.yml", yaml)], env: {} });
  return result.ok ? { ok: true, config: result.config } : { ok: false, errors: result.errors };
}

const PROXMOX =
  "proxmox:\n  url: https://pve1.example:8006\n  tokenId: bot@pve!chatops\n  tokenSecret: 5f0c3b1e-2a4d-4e6f-8a9b-0c1d2e3f4a5b\n";
const SLACK = "slack:\n  botToken: xoxb-1\n  signingSecret: 8f742231b10e8888abcd99yyyzzz85a5\n";
const DAY = 86_400_000;

describe("one duration notation in every section", () => {
  it.each([
    ["approvals", "approvals:\n  default:\n    expiry: 1d\n", (c: Config) => c.approvals.default.expiry],
    ["http", "http:\n  requestTimeout: 1d\n", (c: Config) => c.http.requestTimeout],
    ["proxmox", `${PROXMOX}  timeouts:\n    task: 2d\n`, (c: Config) => c.proxmox?.timeouts.task],
    ["slack", `${SLACK}  actionMaxAge: 1d\n`, (c: Config) => c.slack?.actionMaxAge],
    ["audit", "audit:\n  maxAge: 30d\n", (c: Config) => c.audit.maxAge],
  ])("%s reads days", (_section, yaml, read) => {
    const result = load(yaml);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(read(result.config)).toBe(yaml.includes("30d") ? 30 * DAY : yaml.includes("2d") ? 2 * DAY : DAY);
  });

  it.each([
    ["http.headersTimeout", "http:\n  headersTimeout: 10 s\n"],
    ["proxmox.timeouts.request", `${PROXMOX}  timeouts:\n    request: 1w\n`],
    ["slack.outbox.backoff", `${SLACK}  outbox:\n    backoff: 5 minutes\n`],
  ])("%s: a bad duration names the key and the notation", (path, yaml) => {
    const result = load(yaml);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.find((e) => e.path === path)?.message).toMatch(/30s, 15m, 2h, 1d/);
  });
});

describe("templates.schedule", () => {
  const schedule = (cron: string, timezone?: string) =>
    `templates:\n  schedule:\n    cron: "${cron}"\n    channel: slack:C0123\n${timezone ? `    timezone: ${timezone}\n` : ""}`;

  it("accepts a cron and an IANA time zone", () => {
    const result = load(schedule("0 3 * * 1", "Europe/Berlin"));
    expect(result.ok && result.config.templates.schedule).toEqual({
      cron: "0 3 * * 1",
      channel: "slack:C0123",
      timezone: "Europe/Berlin",
    });
  });

  it.each([
    ["a minute out of range", "61 3 * * 1", /got value 61 expected range 0-59/],
    ["a day that never comes", "0 3 30 2 *", /not a valid cron expression/],
    ["letters", "a b c d e", /not a valid cron expression/],
    ["too few fields", "0 3 *", /5 or 6 fields/],
  ])("refuses %s naming templates.schedule.cron", (_what, cron, reason) => {
    const result = load(schedule(cron));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual([
      { path: "templates.schedule.cron", message: expect.stringMatching(reason) },
    ]);
  });

  it.each(["Mars/Base", "+02:00"])(
    "refuses the unknown time zone %s naming templates.schedule.timezone",
    (tz) => {
      const result = load(schedule("0 3 * * 1", tz));
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.errors).toEqual([
        { path: "templates.schedule.timezone", message: expect.stringMatching(/unknown time zone .*IANA/) },
      ]);
    },
  );
});
