/**
 * `npm run demo`: the bot in a console chat against a simulated Proxmox VE. Uses REDIS_URL (or
 * 127.0.0.1:6379), or a private redis-server when none answers. Each run has its own key prefix and
 * removes its keys at exit, so scripted sessions print the same transcript every time.
 *
 *   printf 'help\nwhoami\n' | npm run demo
 */
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { ConsoleAdapter } from "../adapters/console/console-adapter.js";
import { proxmoxConfigSchema } from "../adapters/proxmox/config.js";
import { deleteKeysWithPrefix } from "../adapters/store/redis.js";
import { systemClock } from "../services/clock.js";
import type { JobQueue } from "../services/ports.js";
import { ImageCatalog } from "../services/templates/catalog/catalog.js";
import { type ChecksumMirror, startChecksumMirror } from "../sim/mirror/checksum-mirror.js";
import { type PveSimulator, startPveSimulator } from "../sim/pve/index.js";
import { configFileFromArgs, formatConfigErrors, loadConfig } from "./config/load.js";
import { collectSecretValues } from "./config/redact.js";
import type { Config } from "./config/schema.js";
import { demoAlertCommand } from "./demo-alerts.js";
import { createLogger } from "./logger.js";
import { ensureRedis } from "./redis-bootstrap.js";
import { createRequestScope } from "./request-scope.js";
import { packageVersion } from "./version.js";
import { createBot } from "./wiring.js";

const DEMO_CONFIG = fileURLToPath(new URL("../../config/demo.yml", import.meta.url));

async function demo(): Promise<number> {
  const argv = process.argv.slice(2);
  const named = configFileFromArgs(argv);
  const hasConfig = named.file !== undefined || named.error !== undefined;
  const loaded = loadConfig({
    argv: hasConfig ? argv : ["--config", DEMO_CONFIG, ...argv],
    env: process.env,
  });
  if (!loaded.ok) {
    process.stderr.write(formatConfigErrors(loaded.errors));
    return 1;
  }
  // Logs go to stderr: stdout is the chat transcript.
  const scope = createRequestScope();
  const log = createLogger({
    mixin: () => scope.bindings(),
    level: loaded.config.log.level,
    format: loaded.config.log.format,
    destination: process.stderr,
    isTty: process.stderr.isTTY,
    secrets: collectSecretValues(loaded.config),
  });

  let redis: Awaited<ReturnType<typeof ensureRedis>>;
  try {
    redis = await ensureRedis({ url: loaded.config.redis.url, log, allowPrivate: true });
  } catch (err) {
    process.stderr.write(`demo: ${(err as Error).message}\n`);
    return 1;
  }

  let sim: PveSimulator | undefined;
  let mirror: ChecksumMirror | undefined;
  let proxmox = loaded.config.proxmox;
  let templates = loaded.config.templates;
  if (!process.env.PROXMOX_URL) {
    // Task times long enough for a template build to show its progress steps on the card.
    sim = await startPveSimulator({
      taskDurations: { download: 1500, qmcreate: 1500, resize: 300, qmtemplate: 600 },
    });
    // Checksum files come from a local mirror: the demo never reaches the internet.
    mirror = await startChecksumMirror({ catalog: ImageCatalog.load(templates.catalog.images) });
    templates = {
      ...templates,
      catalog: { ...templates.catalog, mirrors: { ...templates.catalog.mirrors, ...mirror.mirrors } },
    };
    proxmox = proxmoxConfigSchema.parse({
      url: sim.url,
      tokenId: sim.tokenId,
      tokenSecret: sim.tokenSecret,
      tlsFingerprint: sim.fingerprint,
    });
  }
  const prefix = `pvebot-demo-${randomBytes(4).toString("hex")}:`;
  const config: Config = {
    ...loaded.config,
    redis: { url: redis.url, prefix, cluster: false },
    proxmox,
    templates,
  };

  const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  // The bot's job queue exists only once the bot is built, which needs the chat; the console first waits
  // for a job after start, so the queue is set by then.
  const jobs: { queue?: JobQueue } = {};
  const chat = new ConsoleAdapter({
    input: process.stdin,
    output: process.stdout,
    isTTY: interactive,
    color: interactive && !process.env.NO_COLOR,
    users: config.console.users,
    user: config.console.user,
    channel: config.console.channel,
    clock: systemClock,
    log,
    waitForJob: async (jobId) => jobs.queue?.waitUntilFinished(jobId),
    // The webhook listens on the bot's HTTP port, known once the bot has started.
    extraCommands: {
      alert: demoAlertCommand(() => (bot.port ? `http://127.0.0.1:${bot.port}/webhooks/grafana` : undefined)),
    },
  });
  const bot = await createBot({
    config,
    log,
    scope,
    clock: systemClock,
    version: packageVersion(),
    chat: [chat],
  });
  jobs.queue = bot.services.jobs;
  try {
    await bot.start();
    if (interactive) {
      process.stderr.write(
        `proxmox-chatops ${packageVersion()} demo — Proxmox: ${sim ? `simulator at ${sim.url}` : config.proxmox?.url}` +
          `, HTTP: http://127.0.0.1:${bot.port}/healthz. Type help, or :help for console commands.\n`,
      );
    }
    await chat.done;
  } finally {
    await bot.stop();
    await sim?.close();
    await mirror?.close();
    const cleaner = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    // Best-effort cleanup: a Redis already gone must not print ioredis stack traces on the way out.
    cleaner.on("error", () => {});
    await deleteKeysWithPrefix(cleaner, prefix).catch(() => undefined);
    cleaner.disconnect();
    await redis.stop();
  }
  return 0;
}

demo().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`demo: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
