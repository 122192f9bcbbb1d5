/**
 * Starting and stopping the bot as a process: config, logger, Redis check, wiring, signals. Exit codes:
 * 0 after a clean stop; 1 on bad config or any failed start (Redis missing or refusing the password,
 * Proxmox unreachable within its start timeout or refusing the token, a chat token refused, an unreadable
 * CA file, a port in use). A failed start prints one line to stderr and no stack; the stack goes to the
 * log at debug level.
 */
import { pingRedis } from "../adapters/store/redis.js";
import { RedisHealth } from "../adapters/store/redis-health.js";
import { systemClock } from "../services/clock.js";
import { chatFrontEnds } from "./compose/chat.js";
import { type Environment, formatConfigErrors, loadConfig } from "./config/load.js";
import { collectSecretValues } from "./config/redact.js";
import type { Config } from "./config/schema.js";
import { createLogger } from "./logger.js";
import { createRequestScope, type RequestScope } from "./request-scope.js";
import { oneLine, StartError } from "./start-checks.js";
import { packageVersion } from "./version.js";
import { type Bot, createBot } from "./wiring.js";

export interface ProcessIo {
  argv: readonly string[];
  env: Environment;
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

export type Loaded =
  | { ok: true; config: Config; log: ReturnType<typeof createLogger>; scope: RequestScope }
  | { ok: false };

/** Loads and validates the config; on failure prints every problem to stderr. */
export function loadOrReport(io: ProcessIo, overrides: Partial<Config> = {}): Loaded {
  const result = loadConfig({ argv: io.argv, env: io.env });
  if (!result.ok) {
    io.stderr.write(formatConfigErrors(result.errors));
    return { ok: false };
  }
  const config = { ...result.config, ...overrides };
  const scope = createRequestScope();
  const log = createLogger({
    level: config.log.level,
    format: config.log.format,
    secrets: collectSecretValues(config),
    mixin: () => scope.bindings(),
  });
  return { ok: true, config, log, scope };
}

/** Says, in one line, why Redis cannot be used, or undefined when it answers. */
export async function redisProblem(url: string): Promise<string | undefined> {
  const ping = await pingRedis(url, 2000);
  if (ping.ok) return undefined;
  if (ping.refused) return `${ping.detail.replace(/\.$/, "")}. Check the password or user in REDIS_URL.`;
  return `${ping.detail}. Start Redis (redis-server) or set REDIS_URL.`;
}

/**
 * Listens for SIGINT/SIGTERM from the moment it is called: a signal that arrives while the bot is still
 * starting must stop it once started, not kill the process half-way with the default action.
 */
export function stopSignal(log: { info(msg: string): void }): { received: Promise<void>; dispose(): void } {
  let resolve: () => void = () => {};
  const received = new Promise<void>((r) => {
    resolve = r;
  });
  const handlers = (["SIGINT", "SIGTERM"] as const).map((signal) => {
    const handler = () => {
      log.info(`received ${signal}; stopping`);
      resolve();
    };
    process.once(signal, handler);
    return [signal, handler] as const;
  });
  return {
    received,
    dispose: () => {
      for (const [signal, handler] of handlers) process.off(signal, handler);
    },
  };
}

/**
 * The role of a process: `run` (chat front-ends + HTTP, and the job worker unless `jobs.runWorker` is
 * false), `front-end` (`run --no-worker`: never a worker, whatever the config says) and `worker` (jobs,
 * schedules and job-card edits only). Any number of each may share one Redis: everything a process does
 * on its own is claimed in Redis first (approval expiry by an atomic script, schedule ticks and jobs by
 * BullMQ), so it happens once whichever process gets it.
 */
export type ProcessRole = "run" | "front-end" | "worker";

/** `proxmox-chatops run [--no-worker]` and `proxmox-chatops worker`. */
export async function runBot(io: ProcessIo, role: ProcessRole): Promise<number> {
  const loaded = loadOrReport(io);
  if (!loaded.ok) return 1;
  const { log } = loaded;
  const runWorker = role === "worker" ? true : role === "front-end" ? false : loaded.config.jobs.runWorker;
  const config: Config = { ...loaded.config, jobs: { ...loaded.config.jobs, runWorker } };
  log.info({ role, runWorker }, "process role");
  const signal = stopSignal({ info: (msg) => log.info(msg) });
  try {
    let bot: Bot;
    try {
      bot = await startBot(config, loaded, role === "worker" ? "worker" : "run");
    } catch (err) {
      log.debug({ err }, "start failed");
      io.stderr.write(`proxmox-chatops: ${oneLine(err)}\n`);
      return 1;
    }
    await signal.received;
    await bot.stop();
    return 0;
  } finally {
    signal.dispose();
  }
}

/** Every check and start step in order; throws with a one-line reason, having stopped what it started. */
async function startBot(config: Config, loaded: Loaded & { ok: true }, mode: "run" | "worker") {
  const { log } = loaded;
  const problem = await redisProblem(config.redis.url);
  if (problem) throw new StartError(problem);
  // One Redis monitor for the process, so an outage is one log line whatever the number of connections.
  const redisHealth = new RedisHealth({
    log,
    probe: async () => (await pingRedis(config.redis.url, 1000)).ok,
  });
  const { adapters, routes } = await chatFrontEnds(config, { log, redisHealth });
  if (adapters.length === 0)
    log.warn("no chat platform is configured (slack, discord); serving HTTP and jobs only");
  const bot = await createBot({
    config,
    log,
    scope: loaded.scope,
    clock: systemClock,
    version: packageVersion(),
    // A worker takes no commands, but edits job cards on the platforms where they were posted.
    chat: mode === "run" ? adapters : [],
    notifyOnly: mode === "worker" ? adapters : [],
    routes: mode === "run" ? routes : [],
    redisHealth,
  });
  await bot.start();
  return bot;
}
