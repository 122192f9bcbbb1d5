/**
 * The chat platforms configured, and the HTTP routes they need on the bot's server. A platform's library is
 * loaded only when that platform is configured: Bolt alone adds about 20 MB to a bot that does not use it,
 * discord.js about as much. Discord needs no route: it connects out to the gateway.
 */
import type { ChatAdapter } from "../../adapters/chat.js";
import type { DeliveryFactory } from "../../adapters/chat-kit/delivery.js";
import type { RetryPolicy } from "../../adapters/store/outbox/lane-runner.js";
import { connectRedisDelivery } from "../../adapters/store/outbox/redis-outbox.js";
import type { RedisHealth } from "../../adapters/store/redis-health.js";
import { RedisReplayGuard } from "../../adapters/store/replay-guard.js";
import { ALL_COMMANDS } from "../../commands/index.js";
import { COMMAND_AUDIENCE, visibilityOf } from "../../commands/visibility.js";
import { systemClock } from "../../services/clock.js";
import type { Clock, Log } from "../../services/ports.js";
import type { Config } from "../config/schema.js";
import type { Route } from "../http/server.js";

export interface ChatFrontEndOptions {
  log: Log;
  clock?: Clock;
  /** The process's Redis monitor, shared with the replay guard's connection. */
  redisHealth?: RedisHealth;
}

export interface ChatFrontEnds {
  adapters: ChatAdapter[];
  /** Routes the platforms receive events on; mounted on the bot's public server. */
  routes: Route[];
}

export async function chatFrontEnds(config: Config, options: ChatFrontEndOptions): Promise<ChatFrontEnds> {
  const { log, redisHealth } = options;
  const adapters: ChatAdapter[] = [];
  const routes: Route[] = [];
  if (config.slack) {
    const { createSlackAdapter } = await import("../../adapters/slack/adapter.js");
    // Signed HTTP requests are accepted once each; the claims live in Redis so every instance shares them.
    const replays =
      config.slack.mode === "http"
        ? RedisReplayGuard.connect(config.redis.url, config.redis.prefix, {
            log,
            ...(redisHealth ? { health: redisHealth } : {}),
          })
        : undefined;
    const { outbox } = config.slack;
    const slack = createSlackAdapter({
      config: config.slack,
      log,
      clock: options.clock ?? systemClock,
      ...(replays ? { replays } : {}),
      delivery: durableDelivery(config, options, {
        maxAttempts: outbox.maxAttempts,
        backoffMs: outbox.backoff,
        maxBackoffMs: outbox.maxBackoff,
        maxRetryAfterMs: outbox.maxRetryAfter,
      }),
    });
    adapters.push(slack);
    if (config.slack.mode === "http")
      routes.push({ method: "POST", path: "/slack/events", handler: slack.httpHandler });
  }
  if (config.discord) {
    const { createDiscordAdapter } = await import("../../adapters/discord/adapter.js");
    adapters.push(
      createDiscordAdapter({
        config: config.discord,
        log,
        clock: options.clock ?? systemClock,
        commands: ALL_COMMANDS,
        visibilityOf: discordDeferral,
        // discord.js's REST queue waits out 429s itself; the outbox adds durability, order and coalescing.
        delivery: durableDelivery(config, options, DISCORD_RETRY),
      }),
    );
  }
  return { adapters, routes };
}

/**
 * The durable Redis outbox for one platform, on a connection of its own (closed with the adapter), under
 * the deployment's prefix; the retry policy is the platform's own. Every chat platform gets one.
 */
function durableDelivery(config: Config, options: ChatFrontEndOptions, retry: RetryPolicy): DeliveryFactory {
  return connectRedisDelivery(config.redis.url, {
    prefix: config.redis.prefix,
    log: options.log,
    retry,
    leaseMs: config.outbox.lease,
    pollMs: config.outbox.poll,
    keyTtlMs: config.outbox.keyTtl,
    maxPerConversation: config.outbox.maxPerConversation,
    ...(options.redisHealth ? { health: options.redisHealth } : {}),
  });
}

/** Transient Discord errors (5xx, network) are tried like Slack's (about two minutes of outage); a Retry-After over a minute fails the item. */
const DISCORD_RETRY: RetryPolicy = {
  maxAttempts: 10,
  backoffMs: 500,
  maxBackoffMs: 30_000,
  maxRetryAfterMs: 60_000,
};

/** A command's deferral is ephemeral when its answer will be (reads, jobs), public for actions. */
function discordDeferral(command: string): "ephemeral" | "channel" {
  const kind = COMMAND_AUDIENCE[command];
  return kind ? visibilityOf(kind) : "ephemeral";
}
