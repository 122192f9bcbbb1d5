/**
 * A bot process for the crash test: a Slack adapter (not started: it only posts, as a worker does) whose
 * messages go through the durable outbox. It queues COUNT messages in CHANNEL, says so on stdout, and
 * keeps sending at Slack's pace until the test kills it with SIGKILL.
 */

import { createSlackAdapter } from "../../src/adapters/slack/adapter.js";
import { slackConfigSchema } from "../../src/adapters/slack/config.js";
import { connectRedisDelivery } from "../../src/adapters/store/outbox/redis-outbox.js";
import { silentLog } from "../../src/services/log.js";

const env = process.env;
const adapter = createSlackAdapter({
  config: slackConfigSchema.parse({
    mode: "http",
    botToken: env.BOT_TOKEN,
    signingSecret: "0123456789abcdef0123456789abcdef",
    apiUrl: env.SLACK_API_URL,
  }),
  log: silentLog,
  clock: { now: () => Date.now() },
  delivery: connectRedisDelivery(env.REDIS_URL ?? "redis://127.0.0.1:6379", {
    prefix: env.KEY_PREFIX!,
    log: silentLog,
    retry: { maxAttempts: 3, backoffMs: 50, maxRetryAfterMs: 10_000 },
    leaseMs: Number(env.LEASE_MS),
    pollMs: 100,
  }),
});
const count = Number(env.COUNT);
for (let i = 1; i <= count; i++) {
  void adapter.post({ platform: "slack", channelId: env.CHANNEL! }, { text: `m${i}`, visibility: "channel" });
}
console.log("queued");
