/** Shared set-up for the Slack tests: a recording logger, the fake Slack, and the adapter mounted on node:http. */
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Redis } from "ioredis";
import type { Inbound } from "../../src/adapters/chat.js";
import { createSlackAdapter, type SlackAdapter } from "../../src/adapters/slack/adapter.js";
import { type SlackConfigInput, slackConfigSchema } from "../../src/adapters/slack/config.js";
import type { ReplayGuard } from "../../src/adapters/slack/replays.js";
import { redisDelivery } from "../../src/adapters/store/outbox/redis-outbox.js";
import { deleteKeysWithPrefix } from "../../src/adapters/store/redis.js";
import { RedisReplayGuard } from "../../src/adapters/store/replay-guard.js";
import { readBody } from "../../src/bot/http/body.js";
import type { Clock, Log } from "../../src/services/ports.js";
import { FakeSlack, type FakeSlackOptions } from "../fakes/slack/index.js";

export const BOT_TOKEN = "xoxb-1111-2222-testbottoken";
export const APP_TOKEN = "xapp-1-A111-2222-testapptoken";
export const SIGNING_SECRET = "0123456789abcdef0123456789abcdef";
export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

export interface LogLine {
  level: string;
  obj: unknown;
  msg: string | undefined;
}

export interface MemoryLog extends Log {
  lines: LogLine[];
  /** Everything logged, serialized, for "no secret leaked" checks. */
  dump(): string;
}

export function memoryLog(lines: LogLine[] = [], bindings: Record<string, unknown> = {}): MemoryLog {
  const at =
    (level: string) =>
    (obj: object | string, msg?: string): void => {
      lines.push(
        typeof obj === "string"
          ? { level, obj: bindings, msg: obj }
          : { level, obj: { ...bindings, ...obj }, msg },
      );
    };
  return {
    lines,
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    child: (b) => memoryLog(lines, { ...bindings, ...b }),
    dump: () =>
      JSON.stringify(lines, (_k, v) => (v instanceof Error ? { message: v.message, stack: v.stack } : v)),
  };
}

export const systemClockForTests: Clock = { now: () => Date.now() };

export interface HttpHarness {
  fake: FakeSlack;
  adapter: SlackAdapter;
  log: MemoryLog;
  /** The bot's `/slack/events` URL on the local server. */
  eventsUrl: string;
  /** Where the adapter's replay guard keeps its claims. */
  redis: Redis;
  replayPrefix: string;
  close(): Promise<void>;
}

export async function startHttpHarness(
  inbound: Inbound,
  opts: {
    config?: Partial<SlackConfigInput>;
    fake?: Partial<FakeSlackOptions>;
    clock?: Clock;
    fetch?: typeof globalThis.fetch;
    /** Another guard than the harness's own (e.g. one on an unreachable Redis). */
    replays?: ReplayGuard;
    /** Share replay claims with another harness: a second bot instance on the same Redis. */
    replayPrefix?: string;
  } = {},
): Promise<HttpHarness> {
  const fake = await FakeSlack.start({ botToken: BOT_TOKEN, appToken: APP_TOKEN, ...opts.fake });
  const log = memoryLog();
  const config = slackConfigSchema.parse({
    mode: "http",
    botToken: BOT_TOKEN,
    signingSecret: SIGNING_SECRET,
    apiUrl: fake.apiUrl,
    outbox: { maxAttempts: 3, backoff: "20ms", maxRetryAfter: "10s" },
    ...opts.config,
  });
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const replayPrefix = opts.replayPrefix ?? `test:${randomUUID()}:`;
  const adapter = createSlackAdapter({
    config,
    log,
    clock: opts.clock ?? systemClockForTests,
    replays: opts.replays ?? RedisReplayGuard.on(redis, replayPrefix),
    // Every message goes through the durable Redis outbox, as in the bot.
    delivery: redisDelivery(redis, {
      prefix: replayPrefix,
      log,
      retry: {
        maxAttempts: config.outbox.maxAttempts,
        backoffMs: config.outbox.backoff,
        maxRetryAfterMs: config.outbox.maxRetryAfter,
      },
      pollMs: 100,
    }),
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  });
  const server = await mount(adapter);
  await adapter.start(inbound);
  return {
    fake,
    adapter,
    log,
    eventsUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`,
    redis,
    replayPrefix,
    close: async () => {
      await adapter.stop();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await fake.close();
      await deleteKeysWithPrefix(redis, replayPrefix);
      redis.disconnect();
    },
  };
}

/**
 * The adapter's handler on a plain node:http server, as the bot mounts it: only `/slack/events`, its body
 * read by the bot server's one body reader.
 */
export async function mount(adapter: SlackAdapter): Promise<Server> {
  const server = createServer(async (req, res) => {
    if (new URL(req.url ?? "/", "http://127.0.0.1").pathname === "/slack/events") {
      const read = await readBody(req, 1024 * 1024);
      if (read.ok) return adapter.httpHandler(req, res, read.body);
      res.writeHead(413, { connection: "close" });
      res.end();
      return;
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return server;
}

/** Resolves when `check` passes, polling; for effects that happen after the ack. */
export async function eventually(
  check: () => boolean,
  timeoutMs = 10_000,
  what = "condition",
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
