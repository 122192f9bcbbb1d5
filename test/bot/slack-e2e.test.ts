import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { proxmoxConfigSchema } from "../../src/adapters/proxmox/config.js";
import { slackConfigSchema } from "../../src/adapters/slack/config.js";
import { deleteKeysWithPrefix } from "../../src/adapters/store/redis.js";
import { chatFrontEnds } from "../../src/bot/compose/chat.js";
import { configSchema } from "../../src/bot/config/schema.js";
import { type Bot, createBot } from "../../src/bot/wiring.js";
import { type PveSimulator, startPveSimulator } from "../../src/sim/pve/index.js";
import {
  blockActionsPayload,
  FakeSlack,
  formPayload,
  postSigned,
  slashCommandBody,
} from "../fakes/slack/index.js";
import { REDIS_URL, silentLog } from "../helpers/dispatcher-harness.js";
import { BOT_TOKEN, SIGNING_SECRET } from "../slack/helpers.js";

/**
 * The whole bot as `proxmox-chatops run` wires it: Slack over HTTP on the bot's one server, the dispatcher,
 * Redis stores, and the Proxmox client against the simulator.
 */
let fake: FakeSlack;
let sim: PveSimulator;
let bot: Bot;
const prefix = `test:${randomUUID()}:`;

beforeAll(async () => {
  fake = await FakeSlack.start({ botToken: BOT_TOKEN });
  // /pve vms lists every VM: docs/PROXMOX.md's read-only setup sees the whole cluster.
  sim = await startPveSimulator({ access: "read-only" });
  const config = configSchema.parse({
    redis: { url: REDIS_URL, prefix },
    http: { host: "127.0.0.1", port: 0 },
    rbac: { bindings: [{ role: "operator", subjects: ["slack:user:U0ALICE"] }], channels: {} },
    jobs: { runWorker: false },
  });
  config.slack = slackConfigSchema.parse({
    mode: "http",
    botToken: BOT_TOKEN,
    signingSecret: SIGNING_SECRET,
    apiUrl: fake.apiUrl,
  });
  config.proxmox = proxmoxConfigSchema.parse({
    url: sim.url,
    tokenId: sim.tokenId,
    tokenSecret: sim.tokenSecret,
    tlsFingerprint: sim.fingerprint,
  });
  const { adapters, routes } = await chatFrontEnds(config, { log: silentLog });
  bot = await createBot({
    config,
    log: silentLog,
    clock: { now: () => Date.now() },
    version: "test",
    chat: adapters,
    routes,
  });
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

async function slash(text: string, userId = "U0ALICE") {
  const { body, responseUrl } = slashCommandBody(fake, { text, userId });
  const res = await postSigned(`http://127.0.0.1:${bot.port}/slack/events`, SIGNING_SECRET, body);
  return { status: res.status, responseUrl };
}

describe("the bot with Slack over its HTTP server", () => {
  it("acks /pve vms and answers the asker privately with the simulator's VMs (a read, docs/CHAT.md)", async () => {
    const { status, responseUrl } = await slash("vms --node pve1");
    expect(status).toBe(200);
    const post = await fake.waitForResponse((p) => responseUrl.endsWith(p.id));
    expect(JSON.stringify(post.body)).toMatch(/web01[\s\S]*db01/);
    expect(post.body.response_type ?? "ephemeral").toBe("ephemeral");
  });

  it("answers a forbidden command privately, through response_url", async () => {
    const { responseUrl } = await slash("job cancel j1", "U0STRANGER");
    const post = await fake.waitForResponse((p) => responseUrl.endsWith(p.id));
    expect(JSON.stringify(post.body)).toMatch(/needs the operator role; you have no role/);
    expect(post.body.response_type ?? "ephemeral").toBe("ephemeral");
  });

  it("audits a forged button click (who, what, why) and answers that it is no longer valid", async () => {
    const payload = blockActionsPayload(fake, {
      channelId: "C0GENERAL",
      messageTs: "1700000000.000100",
      actionId: "approval:abcdefabcdef:approve",
      value: "v1.forged.mac",
      userId: "U0ALICE",
    });
    const url = `http://127.0.0.1:${bot.port}/slack/events`;
    const res = await postSigned(url, SIGNING_SECRET, formPayload(payload));
    expect(res.status).toBe(200);
    const post = await fake.waitForResponse((p) => String(payload.response_url).endsWith(p.id));
    expect(JSON.stringify(post.body)).toContain("this action is no longer valid");
    const records = await bot.services.audit.query({ limit: 20, user: "U0ALICE" });
    expect(records.find((r) => r.kind === "action" && r.outcome === "refused")).toMatchObject({
      actor: { platform: "slack", id: "U0ALICE" },
      step: "parse",
      detail: "forged click: approval:abcdefabcdef:approve",
    });
  });

  it("refuses an unsigned request with 401 and runs nothing", async () => {
    const { body } = slashCommandBody(fake, { text: "vms" });
    const res = await postSigned(`http://127.0.0.1:${bot.port}/slack/events`, "wrong-secret", body);
    expect(res.status).toBe(401);
  });

  it("reports Redis, Proxmox and Slack ready on /readyz", async () => {
    const res = await fetch(`http://127.0.0.1:${bot.port}/readyz`);
    const report = (await res.json()) as { checks: Array<{ name: string; ok: boolean }> };
    expect(res.status).toBe(200);
    expect(report.checks.map((c) => [c.name, c.ok])).toEqual([
      ["redis", true],
      ["proxmox", true],
      ["slack", true],
    ]);
  });
});
