/**
 * The composition root: builds every object the bot needs, explicitly, from the parsed config. Nothing
 * here decides behaviour; it only connects the pieces. Start-up fails closed, in this order: Redis must
 * answer (createBot), Proxmox must answer within its start timeout, every chat adapter must start (its
 * token accepted), and only then do the worker and the HTTP server start. A failed start stops what it had
 * started and rethrows, so the process can exit.
 */
import type { ChatAdapter } from "../adapters/chat.js";
import { HttpChecksumSource } from "../adapters/checksums/http-checksum-source.js";
import { createProxmoxClient, type ProxmoxClient } from "../adapters/proxmox/index.js";
import { BullJobQueue } from "../adapters/queue/bull-job-queue.js";
import { bullPrefixFor, connectionFromUrl } from "../adapters/queue/connection.js";
import { type JobWorkerHandle, startJobWorker } from "../adapters/queue/job-worker.js";
import { startTemplateSchedule } from "../adapters/queue/template-schedule.js";
import { RedisApprovalStore } from "../adapters/store/approval-store.js";
import { RedisAuditLog } from "../adapters/store/audit-log.js";
import { RedisSemaphore } from "../adapters/store/locks.js";
import { createRedis, pingClient, waitUntilReady, whenUnavailable } from "../adapters/store/redis.js";
import { RedisHealth } from "../adapters/store/redis-health.js";
import { RedisVmidReservations } from "../adapters/store/vmid-reservations.js";
import type { CommandServices } from "../commands/definition.js";
import { ALL_COMMANDS } from "../commands/index.js";
import { CommandRegistry } from "../commands/registry.js";
import { policyFor, sweepExpired } from "../services/approvals/index.js";
import { AuditRetryBuffer } from "../services/audit/retry-buffer.js";
import { createJobRegistry, type JobDefinition } from "../services/jobs/definition.js";
import type { Clock, Log, NotifierByPlatform } from "../services/ports.js";
import { Rbac } from "../services/rbac.js";
import type { TemplateServices } from "../services/templates/build/deps.js";
import { TaskFollower } from "../services/templates/build/follow-task.js";
import { createTemplateBuildJob } from "../services/templates/build/job.js";
import { createTemplateMatrixJob } from "../services/templates/build/matrix-job.js";
import { ImageCatalog, importFilename } from "../services/templates/catalog/catalog.js";
import { collectSecretValues, createScrubber } from "./config/redact.js";
import type { Config } from "./config/schema.js";
import type { ReadinessCheck } from "./http/readiness.js";
import type { Route } from "./http/server.js";
import { createHttpSurface, type HttpSurface } from "./http/surface.js";
import { createMetrics, type Metrics } from "./metrics.js";
import { createApprovalRequester } from "./pipeline/approval-open.js";
import { Dispatcher } from "./pipeline/dispatcher.js";
import type { RequestScope } from "./request-scope.js";
import { StartError, waitForProxmox } from "./start-checks.js";

/** Every job type this build can run; listed by hand like the commands. */
export const JOB_DEFINITIONS: readonly JobDefinition[] = [];

/** BullMQ queue name; every front-end and worker of one deployment shares it. */
export const QUEUE_NAME = "jobs";

export interface BotOptions {
  config: Config;
  log: Log;
  clock: Clock;
  version: string;
  /** Chat front-ends to start; each also serves as the notifier for its platform. */
  chat: ChatAdapter[];
  /** Adapters used only to post and edit (a worker process edits job cards but takes no commands). */
  notifyOnly?: ChatAdapter[];
  /** Extra HTTP routes (Slack events, webhooks). */
  routes?: Route[];
  /** Start the HTTP server (the demo may do without). */
  http?: boolean;
  /** Tags log lines with the requestId of the command being handled; share it with the logger's mixin. */
  scope?: RequestScope;
  /** How long to wait for Redis at start before giving up. */
  redisTimeoutMs?: number;
  /** The process's Redis monitor, shared with the chat front-ends' connections; one is made otherwise. */
  redisHealth?: RedisHealth;
}

export interface Bot {
  dispatcher: Dispatcher;
  services: CommandServices;
  metrics: Metrics;
  http?: HttpSurface;
  /** The port the HTTP server listens on, once started. */
  port?: number;
  /** The admin port (`/readyz`, `/metrics`) when `http.adminPort` is set, once started. */
  adminPort?: number;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function createBot(options: BotOptions): Promise<Bot> {
  const { config, log } = options;
  // Every Redis connection of the process reports to one monitor: one "Redis unavailable" line per outage.
  const redisHealth =
    options.redisHealth ?? new RedisHealth({ log, probe: async () => (await pingClient(store, 1000)).ok });
  const store = createRedis(config.redis.url, { log, name: "store", health: redisHealth });
  try {
    await waitUntilReady(store, options.redisTimeoutMs ?? 3000);
    return assemble(options, store, redisHealth);
  } catch (err) {
    store.disconnect();
    redisHealth.close();
    throw err;
  }
}

function assemble(options: BotOptions, store: ReturnType<typeof createRedis>, redisHealth: RedisHealth): Bot {
  const { config, log, clock } = options;

  const prefix = config.redis.prefix;
  const approvals = new RedisApprovalStore(store, { prefix });
  const scrub = createScrubber(collectSecretValues(config));
  const audit = new RedisAuditLog(store, {
    prefix,
    maxAgeMs: config.audit.maxAge,
    maxEntries: config.audit.maxEntries,
    scrub,
  });
  const notifiers: NotifierByPlatform = Object.fromEntries(
    [...options.chat, ...(options.notifyOnly ?? [])].map((a) => [a.platform, a]),
  );
  const proxmox: ProxmoxClient | undefined = config.proxmox
    ? createProxmoxClient(config.proxmox, { log, clock })
    : undefined;
  const imageCatalog = ImageCatalog.load(config.templates.catalog.images);
  const templates: TemplateServices | undefined = proxmox && {
    proxmox,
    catalog: imageCatalog,
    checksums: new HttpChecksumSource({
      mirrors: config.templates.catalog.mirrors,
      timeoutMs: 15_000,
      maxBytes: 1 << 20,
      log: log.child({ component: "checksums" }),
      clock,
    }),
    importFilename,
    reservations: new RedisVmidReservations(store, prefix),
    semaphore: new RedisSemaphore(store, { prefix }),
    config: config.templates,
    clock,
    follower: new TaskFollower(proxmox, clock),
  };
  const registry = new CommandRegistry(ALL_COMMANDS);
  const approvalPolicy = (command: string) => policyFor(command, config.approvals);
  const metrics = createMetrics({ jobCounts: () => jobs.counts() });
  // Audit records of work already done are retried from memory rather than failing the user's reply.
  const auditRetry = new AuditRetryBuffer({
    audit,
    log: log.child({ component: "audit" }),
    onEvent: (event, buffered) => metrics.observeAuditRetry(event, buffered),
  });
  // Jobs ask for destructive follow-ups (a refresh's prune) through the same approval path as typed commands.
  const approvalRequester = createApprovalRequester({
    registry,
    approvals,
    audit,
    auditRetry,
    notifiers,
    policyFor: approvalPolicy,
    clock,
    log,
  });
  const jobRegistry = createJobRegistry([
    ...JOB_DEFINITIONS,
    ...(templates
      ? [
          createTemplateBuildJob(templates),
          createTemplateMatrixJob({ ...templates, notifiers, approvals: approvalRequester }),
        ]
      : []),
  ]);
  const queueSettings = {
    connection: connectionFromUrl(config.redis.url),
    prefix: bullPrefixFor(prefix),
    queueName: QUEUE_NAME,
    notifiers,
    registry: jobRegistry,
    clock,
    log: log.child({ component: "jobs" }),
    redisHealth,
  };
  const jobs = new BullJobQueue({
    ...queueSettings,
    attempts: config.jobs.attempts,
    backoffMs: config.jobs.backoff,
    audit,
  });

  const services: CommandServices = {
    commands: registry,
    rbac: new Rbac({ ...config.rbac, people: config.people }),
    approvals,
    audit,
    jobs,
    proxmox,
    imageCatalog,
    ...(templates ? { templates } : {}),
    version: options.version,
  };
  const dispatcher = new Dispatcher({
    registry,
    services,
    notifiers,
    policyFor: approvalPolicy,
    clock,
    log,
    metrics: {
      commandFinished: (command, outcome, seconds) => metrics.observeCommand(command, outcome, seconds),
      approvalDecided: (outcome) => metrics.observeApproval(outcome),
    },
    auditRetry,
    scrub,
    unavailable: whenUnavailable,
    scope: options.scope,
  });

  const adapters = [...options.chat, ...(options.notifyOnly ?? [])];
  const readiness: ReadinessCheck[] = [
    { name: "redis", check: () => pingClient(store, 1000) },
    ...(proxmox ? [{ name: "proxmox", check: () => proxmox.gate.readiness() }] : []),
    ...adapters.flatMap((a) => (a.readiness ? [{ name: a.platform, check: () => a.readiness!() }] : [])),
  ];
  const http =
    options.http === false
      ? undefined
      : createHttpSurface({
          config: config.http,
          log: log.child({ component: "http" }),
          metrics,
          routes: options.routes,
          scrub,
          readiness,
        });
  const started: ChatAdapter[] = [];

  let worker: JobWorkerHandle | undefined;
  let schedule: { close(): Promise<void> } | undefined;
  let sweepTimer: NodeJS.Timeout | undefined;
  let sweeping: Promise<unknown> = Promise.resolve();

  const bot: Bot = {
    dispatcher,
    services,
    metrics,
    http,
    async start() {
      try {
        await startInOrder();
      } catch (err) {
        await bot.stop().catch((stopErr: unknown) => log.debug({ err: stopErr }, "stop after failed start"));
        throw err;
      }
      log.info(
        { port: bot.port, adminPort: bot.adminPort, adapters: options.chat.map((a) => a.platform) },
        "bot started",
      );
    },
    async stop() {
      if (sweepTimer) clearInterval(sweepTimer);
      for (const adapter of started.splice(0)) await adapter.stop();
      await sweeping;
      await schedule?.close();
      await worker?.close();
      // Final job-card edits the worker queued in a notify-only adapter's outbox are delivered before exit.
      for (const adapter of options.notifyOnly ?? []) await adapter.stop();
      await jobs.close();
      await auditRetry.close();
      await http?.close();
      proxmox?.close();
      store.disconnect();
      redisHealth.close();
    },
  };

  async function startInOrder(): Promise<void> {
    if (proxmox && config.proxmox) {
      const version = await waitForProxmox(proxmox, { timeoutMs: config.proxmox.timeouts.start });
      log.info({ proxmox: `Proxmox VE ${version.version} at ${proxmox.endpoint}` }, "proxmox reachable");
    }
    for (const adapter of options.chat) {
      await adapter.start(dispatcher);
      started.push(adapter);
    }
    // A worker posts no commands but edits job cards: its platforms must accept its token too.
    for (const adapter of options.notifyOnly ?? []) {
      const ready = await adapter.readiness?.();
      if (ready && !ready.ok) throw new StartError(`${adapter.platform}: ${ready.detail}`);
    }
    if (config.jobs.runWorker) {
      worker = startJobWorker({
        ...queueSettings,
        audit,
        concurrency: config.jobs.concurrency,
        progressInterval: config.jobs.progressInterval,
      });
      const when = config.templates.schedule;
      if (templates) {
        schedule = await startTemplateSchedule({
          connection: queueSettings.connection,
          prefix: queueSettings.prefix,
          ...(when
            ? { repeat: { pattern: when.cron, ...(when.timezone ? { tz: when.timezone } : {}) } }
            : {}),
          channel: when?.channel ?? "",
          jobs,
          log: log.child({ component: "template-schedule" }),
          redisHealth,
        });
      }
    }
    sweepTimer = setInterval(() => {
      sweeping = sweepExpired({ store: approvals, notifier: notifiers, now: clock.now(), log })
        .then((r) => {
          for (const _ of r.expired) metrics.observeApproval("expired");
        })
        .catch((err: unknown) => {
          if (!whenUnavailable(err)) log.error({ err }, "approval expiry sweep failed");
        });
    }, config.approvals.sweepInterval);
    sweepTimer.unref();
    if (http) {
      const ports = await http.listen();
      bot.port = ports.port;
      bot.adminPort = ports.adminPort;
    }
  }
  return bot;
}
