/**
 * The bot process of the alert benchmark's chat part, run as a child so it can be killed with SIGKILL:
 * the same factories the bot's wiring calls for alerting (webhook routes and Redis alert store from
 * compose/alerts.ts, living messages from compose/alert-messages.ts) on the bot's HTTP server, sending to
 * Slack through the Slack adapter and the durable Redis outbox with the production defaults (lease 30 s,
 * poll 500 ms, pacing on). Escalation timers are left out: the storm acknowledges nothing.
 *
 * The routes spread the storm's groups over CHANNELS Slack channels by the last digit of their alertname.
 * Prints `listening <port>` once the webhooks answer; SIGTERM closes it.
 *
 *   BENCH_PREFIX=… BENCH_SLACK_API=http://…/api/ tsx bench/alerts-bot.ts   (started by bench/alerts-chat.ts)
 */
import { createSlackAdapter } from "../src/adapters/slack/adapter.js";
import { slackConfigSchema } from "../src/adapters/slack/config.js";
import { redisDelivery } from "../src/adapters/store/outbox/redis-outbox.js";
import { createRedis, waitUntilReady } from "../src/adapters/store/redis.js";
import { createAlertMessages } from "../src/bot/compose/alert-messages.js";
import { createAlerts } from "../src/bot/compose/alerts.js";
import { alertsConfigSchema } from "../src/bot/config/alerts.js";
import { createHttpServer } from "../src/bot/http/server.js";
import { createMetrics } from "../src/bot/metrics.js";
import { systemClock } from "../src/services/clock.js";
import { silentLog } from "../src/services/log.js";
import { AM_TOKEN, GRAFANA_SECRET, TIMESTAMP_HEADER } from "./alerts-storm.js";

/** Channels the groups are routed to; with 1 message/s per channel this is what bounds the posts. */
export const CHANNELS = 10;
const channelOf = (n: number) => `CALERTS${n}`;
export const SLACK_BOT_TOKEN = "xoxb-bench-alerts-0000";

function alertsConfig() {
  return alertsConfigSchema.parse({
    sources: {
      grafana: {
        kind: "grafana",
        auth: { type: "hmac", secret: GRAFANA_SECRET, timestampHeader: TIMESTAMP_HEADER },
      },
      alertmanager: { kind: "alertmanager", auth: { type: "bearer", token: AM_TOKEN } },
    },
    routes: Array.from({ length: CHANNELS }, (_, n) => ({
      name: `pve-${n}`,
      matchers: [`alertname=~"PveHostDown[0-9]*${n}"`],
      to: [`slack:${channelOf(n)}`],
    })),
    defaultRoute: { to: ["console:alerts"] },
  });
}

async function runBot(): Promise<void> {
  const prefix = process.env.BENCH_PREFIX;
  const apiUrl = process.env.BENCH_SLACK_API;
  if (!prefix || !apiUrl) throw new Error("BENCH_PREFIX and BENCH_SLACK_API are required");
  const redis = createRedis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", {
    log: silentLog,
    name: "bench-alerts-bot",
  });
  await waitUntilReady(redis, 3000);
  const config = alertsConfig();
  const alerts = createAlerts({ config, redis, prefix, now: Date.now, log: silentLog });
  const slackConfig = slackConfigSchema.parse({
    mode: "http",
    botToken: SLACK_BOT_TOKEN,
    signingSecret: "benchalertssigningsecret00000000",
    apiUrl,
  });
  const { outbox } = slackConfig;
  const slack = createSlackAdapter({
    config: slackConfig,
    log: silentLog,
    clock: systemClock,
    delivery: redisDelivery(redis, {
      prefix,
      log: silentLog,
      retry: {
        maxAttempts: outbox.maxAttempts,
        backoffMs: outbox.backoff,
        maxRetryAfterMs: outbox.maxRetryAfter,
      },
    }),
  });
  const messages = createAlertMessages({
    store: alerts.store,
    notifiers: { slack },
    policyFor: (route) => alerts.routing.policyFor(route),
    sources: config.sources,
    labels: config.labels,
    clock: systemClock,
    log: silentLog,
  });
  alerts.onChanged(messages.onChanged);
  const server = createHttpServer({
    host: "127.0.0.1",
    port: 0,
    log: silentLog,
    metrics: createMetrics({ processMetrics: false }),
    routes: alerts.routes,
  });
  const { port } = await server.listen();
  // As the bot does: the webhooks answer first, then the sweep picks up what a crash left unposted.
  await messages.start();
  process.stdout.write(`listening ${port}\n`);
  process.once("SIGTERM", () => {
    void (async () => {
      await server.close();
      await messages.close();
      await slack.stop();
      redis.disconnect();
      process.exit(0);
    })();
  });
}

if (process.argv[2] === "run") await runBot();
