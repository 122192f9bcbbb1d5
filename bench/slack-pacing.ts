/**
 * A burst of slash commands in one Slack channel, each answered with a channel message, through the real
 * Bolt adapter and Web API client against the fake Slack, which (like Slack) answers 429 with Retry-After
 * to a second message in a channel within a second. Run three times: with the outbox's pacing (token
 * buckets from the first message), without it (429s and Retry-After only), and paced through the durable
 * Redis outbox the bot uses. Prints one JSON object: per mode the 429s received, messages delivered, and
 * seconds from the burst to the last delivery.
 *
 * Usage: tsx bench/slack-pacing.ts [commands] (default 20). Needs Redis (REDIS_URL) for the replay guard.
 */
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { Redis } from "ioredis";
import type { Inbound } from "../src/adapters/chat.js";
import { createSlackAdapter } from "../src/adapters/slack/adapter.js";
import { slackConfigSchema } from "../src/adapters/slack/config.js";
import { redisDelivery } from "../src/adapters/store/outbox/redis-outbox.js";
import { deleteKeysWithPrefix } from "../src/adapters/store/redis.js";
import { RedisReplayGuard } from "../src/adapters/store/replay-guard.js";
import { readBody } from "../src/bot/http/body.js";
import { systemClock } from "../src/services/clock.js";
import { silentLog } from "../src/services/log.js";
import { FakeSlack, postSigned, slashCommandBody } from "../test/fakes/slack/index.js";

const COMMANDS = Number(process.argv[2] ?? 20);
const BOT_TOKEN = "xoxb-bench-0000-token";
const SECRET = "benchbenchbenchbenchbenchbench12";
const CHANNEL = "C0BURST";

async function burst(pacing: boolean, durable = false) {
  const fake = await FakeSlack.start({ botToken: BOT_TOKEN });
  const config = slackConfigSchema.parse({
    mode: "http",
    botToken: BOT_TOKEN,
    signingSecret: SECRET,
    apiUrl: fake.apiUrl,
    outbox: { pacing },
  });
  const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
  const prefix = `bench:${randomUUID()}:`;
  const replays = RedisReplayGuard.connect(redisUrl, prefix, { log: silentLog });
  const redis = durable ? new Redis(redisUrl) : undefined;
  const delivery =
    redis &&
    redisDelivery(redis, {
      prefix,
      log: silentLog,
      retry: {
        maxAttempts: config.outbox.maxAttempts,
        backoffMs: config.outbox.backoff,
        maxRetryAfterMs: config.outbox.maxRetryAfter,
      },
    });
  const adapter = createSlackAdapter({
    config,
    log: silentLog,
    clock: systemClock,
    replays,
    ...(delivery ? { delivery } : {}),
  });
  const inbound: Inbound = {
    onCommand: async (inv) => ({ text: `done: ${inv.text}`, visibility: "channel" }),
    onAction: async () => undefined,
  };
  const server = createServer((req, res) => {
    readBody(req, 1024 * 1024).then((read) => {
      if (read.ok) adapter.httpHandler(req, res, read.body);
      else res.writeHead(413).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  await adapter.start(inbound);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;

  const t0 = performance.now();
  const acks = await Promise.all(
    Array.from({ length: COMMANDS }, (_, i) =>
      postSigned(
        url,
        SECRET,
        slashCommandBody(fake, { text: `vm start ${100 + i}`, channelId: CHANNEL }).body,
      ),
    ),
  );
  await adapter.settled();
  const seconds = (performance.now() - t0) / 1000;
  const posts = fake.calls("chat.postMessage");
  const result = {
    acked: acks.filter((r) => r.status === 200).length,
    delivered: fake.state.messages.filter((m) => m.channel === CHANNEL).length,
    http429: posts.filter((c) => c.status === 429).length,
    secondsToLastDelivery: Number(seconds.toFixed(2)),
    outbox: adapter.stats(),
  };
  await adapter.stop();
  server.closeAllConnections();
  server.close();
  await fake.close();
  if (redis) {
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
  }
  return result;
}

const paced = await burst(true);
const unpaced = await burst(false);
const pacedDurable = await burst(true, true);
console.log(
  JSON.stringify({
    bench: "slack-burst-pacing",
    commandsInOneChannel: COMMANDS,
    node: process.version,
    paced,
    unpaced,
    pacedDurable,
    target: { http429: 0, delivered: COMMANDS },
  }),
);
