/**
 * `/readyz` follows every configured dependency after start: a Slack token that Slack stops accepting or
 * a Proxmox that goes away turns it 503, naming what failed. With `http.adminPort`, `/readyz` and
 * `/metrics` exist only on the admin port and the public one serves chat routes and `/healthz`.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { proxmoxConfigSchema } from "../../src/adapters/proxmox/config.js";
import { slackConfigSchema } from "../../src/adapters/slack/config.js";
import { deleteKeysWithPrefix } from "../../src/adapters/store/redis.js";
import { chatFrontEnds } from "../../src/bot/compose/chat.js";
import { configSchema } from "../../src/bot/config/schema.js";
import { type Bot, createBot } from "../../src/bot/wiring.js";
import { type PveSimulator, startPveSimulator } from "../../src/sim/pve/index.js";
import { FakeSlack, postSigned, slashCommandBody } from "../fakes/slack/index.js";
import { REDIS_URL, silentLog } from "../helpers/dispatcher-harness.js";
import { BOT_TOKEN, SIGNING_SECRET } from "../slack/helpers.js";

let fake: FakeSlack;
let sim: PveSimulator;
let bot: Bot;
let now = Date.now();
const clock = { now: () => now };
const prefix = `test:${randomUUID()}:`;

beforeAll(async () => {
  fake = await FakeSlack.start({ botToken: BOT_TOKEN });
  sim = await startPveSimulator();
  const config = configSchema.parse({
    redis: { url: REDIS_URL, prefix },
    http: { host: "127.0.0.1", port: 0, adminPort: 0 },
    jobs: { runWorker: false },
  });
  config.proxmox = proxmoxConfigSchema.parse({
    url: sim.url,
    tokenId: sim.tokenId,
    tokenSecret: sim.tokenSecret,
    tlsFingerprint: sim.fingerprint,
    getRetries: 0,
  });
  config.slack = slackConfigSchema.parse({
    botToken: BOT_TOKEN,
    signingSecret: SIGNING_SECRET,
    apiUrl: fake.apiUrl,
  });
  const { adapters, routes } = await chatFrontEnds(config, { log: silentLog, clock });
  bot = await createBot({ config, log: silentLog, clock, version: "test", chat: adapters, routes });
  await bot.start();
});

afterAll(async () => {
  await bot?.stop();
  await sim?.close();
  await fake?.close();
  const { Redis } = await import("ioredis");
  const redis = new Redis(REDIS_URL);
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
});

interface Report {
  status: string;
  failed?: string[];
  checks: Array<{ name: string; ok: boolean; detail?: string }>;
}

async function readyz(): Promise<{ status: number; report: Report }> {
  const res = await fetch(`http://127.0.0.1:${bot.adminPort}/readyz`);
  return { status: res.status, report: (await res.json()) as Report };
}

describe("the admin port", () => {
  it("alone serves /readyz and /metrics; the public port keeps /healthz and the chat route", async () => {
    expect(bot.adminPort).toBeGreaterThan(0);
    expect(bot.adminPort).not.toBe(bot.port);
    const pub = `http://127.0.0.1:${bot.port}`;
    const admin = `http://127.0.0.1:${bot.adminPort}`;
    expect((await fetch(`${pub}/readyz`)).status).toBe(404);
    expect((await fetch(`${pub}/metrics`)).status).toBe(404);
    expect((await fetch(`${pub}/healthz`)).status).toBe(200);
    const { body } = slashCommandBody(fake, { text: "help", userId: "U0ALICE" });
    expect((await postSigned(`${pub}/slack/events`, SIGNING_SECRET, body)).status).toBe(200);
    // The Slack route gets its body from the server's one reader: over the limit it never reaches Slack's
    // receiver (which would answer 401 to an unsigned body), the server answers 413.
    const huge = await fetch(`${pub}/slack/events`, { method: "POST", body: "x".repeat(1024 * 1024 + 1) });
    expect(huge.status).toBe(413);

    expect((await fetch(`${admin}/healthz`)).status).toBe(200);
    const metrics = await fetch(`${admin}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain("# TYPE");
    expect((await fetch(`${admin}/slack/events`, { method: "POST", body: "x" })).status).toBe(404);
  });
});

describe("/readyz after start", () => {
  it("is 200 while Redis, Proxmox and Slack are usable", async () => {
    const { status, report } = await readyz();
    expect(status).toBe(200);
    expect(report.checks.map((c) => [c.name, c.ok])).toEqual([
      ["redis", true],
      ["proxmox", true],
      ["slack", true],
    ]);
  });

  it("turns 503 naming slack once Slack stops accepting the token", async () => {
    // Within the 30 s the last good auth.test is trusted; after it, the token is asked about again.
    fake.failNext("auth.test", { error: "token_revoked" });
    expect((await readyz()).status).toBe(200);
    now += 31_000;
    const { status, report } = await readyz();
    expect(status).toBe(503);
    expect(report.failed).toEqual(["slack"]);
    expect(report.checks.find((c) => c.name === "slack")?.detail).toBe(
      "Slack refused the bot token (auth.test: token_revoked)",
    );
    now += 6_000;
    expect((await readyz()).status).toBe(200);
  });

  it("turns 503 naming proxmox once Proxmox is gone", async () => {
    await sim.close();
    now += 60_000;
    const { status, report } = await readyz();
    expect(status).toBe(503);
    expect(report.failed).toEqual(["proxmox"]);
  });
});
