import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { slackConfigSchema } from "../../src/adapters/slack/config.js";

type Manifest = {
  features: { slash_commands: { command: string; url?: string }[] };
  oauth_config: { scopes: { bot: string[] } };
  settings: { interactivity: { is_enabled: boolean; request_url?: string }; socket_mode_enabled: boolean };
};

const read = (rel: string) => readFileSync(new URL(rel, import.meta.url), "utf8");
const manifest = parse(read("../../slack/manifest.yml")) as Manifest;

/** The official schema (slackapi/manifest-schema) uses a non-standard `regex` keyword; it is enforced here. */
function validator() {
  const ajv = new Ajv({ allErrors: true, strict: false });
  ajv.addFormat("uri", /^[a-z][a-z0-9+.-]*:\S+$/i);
  ajv.addKeyword({
    keyword: "regex",
    type: "string",
    schemaType: "string",
    validate: (pattern: string, data: string) => new RegExp(pattern).test(data),
  });
  return ajv.compile(JSON.parse(read("./fixtures/slack-manifest.schema.json")));
}

describe("slack/manifest.yml", () => {
  it("is valid against Slack's official manifest JSON Schema", () => {
    const validate = validator();
    expect(validate(manifest), JSON.stringify(validate.errors)).toBe(true);
  });

  it("stays valid as a Socket Mode manifest (flag on, request URLs removed)", () => {
    const socket = structuredClone(manifest);
    socket.settings.socket_mode_enabled = true;
    delete socket.settings.interactivity.request_url;
    for (const c of socket.features.slash_commands) delete c.url;
    expect(validator()(socket)).toBe(true);
  });

  it("the schema check can fail: a bad command name and an unknown scope setting are refused", () => {
    const badCommand = structuredClone(manifest);
    badCommand.features.slash_commands[0]!.command = "pve";
    expect(validator()(badCommand)).toBe(false);
    const unknownSetting = structuredClone(manifest) as Manifest & { settings: Record<string, unknown> };
    unknownSetting.settings.not_a_setting = true;
    expect(validator()(unknownSetting)).toBe(false);
  });

  it("declares the adapter's command, interactivity on /slack/events, and only the scopes the bot uses", () => {
    const defaults = slackConfigSchema.parse({ botToken: "xoxb-1", signingSecret: "0123456789abcdef" });
    expect(manifest.features.slash_commands.map((c) => c.command)).toEqual([defaults.command]);
    expect(manifest.features.slash_commands[0]?.url).toMatch(/\/slack\/events$/);
    expect(manifest.settings.interactivity).toMatchObject({ is_enabled: true });
    expect(manifest.settings.interactivity.request_url).toMatch(/\/slack\/events$/);
    expect(manifest.settings.socket_mode_enabled).toBe(false);
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual(
      ["chat:write", "chat:write.public", "commands", "files:write", "im:write", "usergroups:read"].sort(),
    );
  });
});
