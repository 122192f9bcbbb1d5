import { describe, expect, it } from "vitest";
import { collectSecretValues } from "../../src/bot/config/redact.js";
import { createLogger, type LoggerOptions } from "../../src/bot/logger.js";
import { createRequestScope } from "../../src/bot/request-scope.js";
import type { Log } from "../../src/services/ports.js";

const config = {
  redis: { url: "redis://default:redis-P4ssw0rd@cache:6379", prefix: "pvebot:" },
  http: { host: "127.0.0.1", port: 8080 },
  proxmox: {
    url: "https://pve.example:8006",
    tokenId: "bot@pve!chatops",
    tokenSecret: "5a1c9e0f-7d1b-4c1e-9f65-3b2f4c1e8d77",
  },
  slack: {
    botToken: "xoxb-2718281828-3141592653-AbCdEfGhIjKlMnOp",
    signingSecret: "e3b0c44298fc1c149afbf4c8996fb924",
    appToken: "xapp-1-A0123-987654321-deadbeefcafe",
  },
  alerts: { grafana: { webhook: { password: 'pa"ss\\word-with-quote' } } },
};
const SECRETS = [
  "redis-P4ssw0rd",
  config.proxmox.tokenSecret,
  config.slack.botToken,
  config.slack.signingSecret,
  config.slack.appToken,
  config.alerts.grafana.webhook.password,
];

function collecting(options: Partial<LoggerOptions> = {}) {
  const lines: string[] = [];
  const logger = createLogger({
    level: "debug",
    format: "json",
    destination: { write: (line) => lines.push(line) },
    base: {},
    ...options,
  });
  return { logger, lines, text: () => lines.join("") };
}

describe("createLogger redaction", () => {
  it("never writes a secret: nested config, messages, errors, headers, unknown fields", () => {
    const { logger, text, lines } = collecting({ secrets: collectSecretValues(config) });
    logger.info({ config }, "effective configuration");
    logger.warn(`user pasted ${config.slack.botToken} into the channel`);
    logger.error({ err: new Error(`PVE said 401 for ${config.proxmox.tokenSecret}`) }, "proxmox call failed");
    logger.info(
      {
        req: {
          method: "POST",
          headers: { authorization: `PVEAPIToken=bot@pve!chatops=${config.proxmox.tokenSecret}` },
        },
        headers: { Authorization: `Bearer ${config.slack.appToken}` },
        outbound: {
          request: { headers: { authorization: "Basic dXNlcjpwYXNz", Cookie: "sid=c00kie-session" } },
        },
        innocentName: config.slack.signingSecret,
        very: { deep: { nested: { structure: { token: "0123456789-deep-token" } } } },
        list: [{ password: "list-item-password" }],
      },
      "request with %s",
      config.alerts.grafana.webhook.password,
    );
    logger.debug({ redis: config.redis.url }, "connecting");
    const out = text();
    expect(lines).toHaveLength(5);
    for (const secret of [
      ...SECRETS,
      "dXNlcjpwYXNz",
      "0123456789-deep-token",
      "list-item-password",
      "c00kie-session",
    ]) {
      expect(out).not.toContain(secret);
    }
    expect(out).not.toContain(JSON.stringify(config.alerts.grafana.webhook.password).slice(1, -1));
    expect(out).toContain("pve.example:8006");
    expect(out).toContain("user pasted [redacted] into the channel");
    const parsed = lines.map((line) => JSON.parse(line));
    expect(parsed[0].config.slack.botToken).toBe("[redacted]");
    expect(parsed[3].req.headers.authorization).toBe("[redacted]");
    expect(parsed[3].headers.Authorization).toBe("[redacted]");
    expect(parsed[3].outbound.request.headers.authorization).toBe("[redacted]");
    expect(parsed[3].list[0].password).toBe("[redacted]");
    expect(parsed[3].very.deep.nested.structure.token).toBe("[redacted]");
  });

  it("hides values under secret keys even without a list of secrets, in fields and bindings", () => {
    const { logger, text, lines } = collecting();
    const child = logger.child({ token: "binding-token-value" });
    child.info(
      { token: "top-level-token", slack: { botToken: "xoxb-not-known-in-advance" }, tokens: 3 },
      "hi",
    );
    expect(text()).not.toContain("top-level-token");
    expect(text()).not.toContain("xoxb-not-known-in-advance");
    expect(text()).not.toContain("binding-token-value");
    expect(JSON.parse(lines[0]!).tokens).toBe(3);
  });

  it("survives circular structures and leaves the logged object unchanged", () => {
    const { logger, lines } = collecting();
    const loop: Record<string, unknown> = { name: "loop", auth: { password: "circular-secret" } };
    loop.self = loop;
    logger.info({ loop }, "circular");
    expect(lines[0]).not.toContain("circular-secret");
    expect((loop.auth as { password: string }).password).toBe("circular-secret");
  });

  it("scrubs pretty output too", () => {
    const { logger, text } = collecting({ format: "pretty", secrets: SECRETS });
    logger.info({ slack: config.slack, note: `got ${config.slack.signingSecret}` }, "pretty line");
    expect(text()).toContain("pretty line");
    expect(() => JSON.parse(text())).toThrow();
    for (const secret of SECRETS) expect(text()).not.toContain(secret);
  });
});

describe("createLogger format and level", () => {
  it("auto is JSON when not on a terminal and pretty on one", () => {
    const plain = collecting({ format: "auto", isTty: false });
    plain.logger.info("hello");
    expect(JSON.parse(plain.text()).msg).toBe("hello");
    const tty = collecting({ format: "auto", isTty: true });
    tty.logger.info("hello");
    expect(tty.text()).toMatch(/INFO.*hello/);
  });

  it("drops lines below the level", () => {
    const { logger, lines } = collecting({ level: "warn" });
    logger.info("quiet");
    logger.warn("loud");
    expect(lines.map((line) => JSON.parse(line).msg)).toEqual(["loud"]);
  });
});

describe("request ids", () => {
  it("every line of one invocation carries its requestId, through nested children and the Log port", () => {
    const { logger, lines } = collecting();
    const invocation: Log = logger.child({ requestId: "req-7f3a" });
    invocation.info({ step: "parse" }, "parsed");
    const authorize = invocation.child({ step: "authorize" });
    authorize.warn("forbidden");
    invocation.error({ err: new Error("boom") }, "failed");
    logger.info("unrelated line");
    const parsed = lines.map((line) => JSON.parse(line));
    expect(parsed.slice(0, 3).map((p) => p.requestId)).toEqual(["req-7f3a", "req-7f3a", "req-7f3a"]);
    expect(parsed[1].step).toBe("authorize");
    expect(parsed[3].requestId).toBeUndefined();
  });

  it("lines written by long-lived components during a command carry its requestId too", async () => {
    const scope = createRequestScope();
    const { logger, lines } = collecting({ mixin: () => scope.bindings() });
    const proxmoxClient: Log = logger.child({ component: "proxmox" }); // made once, at start
    await Promise.all([
      scope.run("req-a", async () => {
        await new Promise((r) => setTimeout(r, 5));
        proxmoxClient.info("GET /version");
      }),
      scope.run("req-b", async () => {
        proxmoxClient.info("GET /nodes");
      }),
    ]);
    proxmoxClient.info("between commands");
    const parsed = lines.map((line) => JSON.parse(line) as { msg: string; requestId?: string });
    expect(parsed.map((p) => [p.msg, p.requestId])).toEqual([
      ["GET /nodes", "req-b"],
      ["GET /version", "req-a"],
      ["between commands", undefined],
    ]);
  });
});
