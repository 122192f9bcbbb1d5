/**
 * The Slack adapter on the durable outbox against the fake Slack (which enforces one message per second
 * per channel with 429 + Retry-After): Retry-After honoured, a final failure counted and logged with
 * Slack's code, and a bot process killed with SIGKILL whose queued messages another process delivers.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { DeliveryFailedError } from "../../src/adapters/chat-kit/delivery.js";
import { createSlackAdapter, type SlackAdapter } from "../../src/adapters/slack/adapter.js";
import { slackConfigSchema } from "../../src/adapters/slack/config.js";
import { redisDelivery } from "../../src/adapters/store/outbox/redis-outbox.js";
import { deleteKeysWithPrefix } from "../../src/adapters/store/redis.js";
import { createMetrics } from "../../src/bot/metrics.js";
import { FakeSlack } from "../fakes/slack/index.js";
import { BOT_TOKEN, eventually, memoryLog, SIGNING_SECRET } from "../slack/helpers.js";
import { REDIS_URL } from "./helpers.js";

const childScript = fileURLToPath(new URL("./crash-child.ts", import.meta.url));

let fake: FakeSlack;
let redis: Redis;
let prefix: string;
const adapters: SlackAdapter[] = [];
let child: ChildProcess | undefined;

afterEach(async () => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
  for (const a of adapters.splice(0)) await a.stop();
  await fake?.close();
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
});

async function setUp() {
  fake = await FakeSlack.start({ botToken: BOT_TOKEN });
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  prefix = `test:slack-outbox:${randomUUID()}:`;
}

function slackBot(pacing: boolean, log = memoryLog()): SlackAdapter {
  const config = slackConfigSchema.parse({
    mode: "http",
    botToken: BOT_TOKEN,
    signingSecret: SIGNING_SECRET,
    apiUrl: fake.apiUrl,
    outbox: { maxAttempts: 3, backoff: "20ms", maxRetryAfter: "10s", pacing },
  });
  const adapter = createSlackAdapter({
    config,
    log,
    clock: { now: () => Date.now() },
    delivery: redisDelivery(redis, {
      prefix,
      log,
      retry: { maxAttempts: 3, backoffMs: 20, maxRetryAfterMs: 10_000 },
      leaseMs: 1000,
      pollMs: 100,
    }),
  });
  adapters.push(adapter);
  return adapter;
}

const channel = (channelId: string) => ({ platform: "slack" as const, channelId });

describe("Slack on the durable outbox", () => {
  it("honours Slack's 429 Retry-After: the second message in a second waits, then arrives", async () => {
    await setUp();
    const bot = slackBot(false);
    await Promise.all(
      [1, 2, 3].map((i) => bot.post(channel("C0BUSY"), { text: `n${i}`, visibility: "channel" })),
    );
    const posts = fake.calls("chat.postMessage");
    const ok = posts.filter((c) => c.status === 200);
    expect(ok.map((c) => c.args.text)).toEqual(["n1", "n2", "n3"]);
    expect(posts.filter((c) => c.status === 429).length).toBeGreaterThanOrEqual(1);
    for (let i = 1; i < ok.length; i++) expect(ok[i]!.at - ok[i - 1]!.at).toBeGreaterThanOrEqual(1000);
    expect(bot.stats()).toMatchObject({ delivered: 3, failed: 0 });
    expect(bot.stats().rateLimited).toBeGreaterThanOrEqual(1);
  }, 20_000);

  it("counts a message Slack refuses for good, logs Slack's code and method, and /metrics shows it", async () => {
    await setUp();
    const log = memoryLog();
    const bot = slackBot(true, log);
    fake.state.notInChannel.add("C0PRIVATE");
    const err = await bot
      .post(channel("C0PRIVATE"), { text: "secret payload", visibility: "channel" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeliveryFailedError);
    expect(err).toMatchObject({ platform: "slack", code: "not_in_channel" });
    const line = log.lines.find((l) => l.msg?.includes("delivery failed"));
    expect(line?.obj).toMatchObject({
      method: "chat.postMessage",
      code: "not_in_channel",
      lane: "C0PRIVATE",
    });
    expect(log.dump()).not.toContain("secret payload");
    const metrics = createMetrics({ processMetrics: false, deliveries: () => ({ slack: bot.stats() }) });
    const text = await metrics.render();
    expect(text).toContain('chat_delivery_failures_total{platform="slack",code="not_in_channel"} 1');
    expect(text).toContain('chat_deliveries_total{platform="slack",outcome="failed"} 1');
  });

  it("a bot process killed with SIGKILL loses nothing: another one delivers the rest, each once, in order", async () => {
    await setUp();
    const count = 6;
    child = spawn(process.execPath, ["--import", "tsx", childScript], {
      env: {
        ...process.env,
        REDIS_URL,
        KEY_PREFIX: prefix,
        BOT_TOKEN,
        SLACK_API_URL: fake.apiUrl,
        CHANNEL: "C0CRASH",
        COUNT: String(count),
        LEASE_MS: "1000",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr!.on("data", (chunk) => {
      stderr += String(chunk);
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`child never queued: ${stderr}`)), 15_000);
      createInterface({ input: child!.stdout! }).on("line", (line) => {
        if (line === "queued") {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    // Killed while it waits for Slack's pace after its second message: nothing of its is on the wire.
    await fake.waitForCall("chat.postMessage", (c) => c.args.text === "m2", 15_000);
    await new Promise((r) => setTimeout(r, 300));
    const exited = new Promise((r) => child!.once("exit", r));
    child.kill("SIGKILL");
    await exited;
    const before = fake.state.messages.length;
    expect(before).toBe(2);

    slackBot(true);
    await eventually(() => fake.state.messages.length === count, 20_000, "every message");
    expect(fake.state.messages.map((m) => m.text)).toEqual(
      Array.from({ length: count }, (_, i) => `m${i + 1}`),
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(fake.state.messages).toHaveLength(count);
    expect(await redis.llen(`${prefix}outbox:slack:q:C0CRASH`)).toBe(0);
  }, 40_000);
});
