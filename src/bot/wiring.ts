/**
 * The composition root: builds every object the bot needs from the parsed config by calling the factories
 * in src/bot/compose in order (stores, template services, command core, jobs, dispatcher, HTTP), then
 * mounts the HTTP routes from the composed services. Nothing here decides behaviour; it only connects the
 * pieces. Start-up fails closed, in this order: Redis must answer (createBot), Proxmox must answer within
 * its start timeout, every chat adapter must start (its token accepted), and only then do the worker and
 * the HTTP server start. A failed start stops what it had started and rethrows, so the process can exit.
 */
import type { ChatAdapter } from "../adapters/chat.js";
import { createProxmoxClient, type ProxmoxClient } from "../adapters/proxmox/index.js";
import type { JobWorkerHandle } from "../adapters/queue/job-worker.js";
import { whenUnavailable } from "../adapters/store/redis.js";
import type { RedisHealth } from "../adapters/store/redis-health.js";
import type { CommandServices } from "../commands/definition.js";
import { ALL_COMMANDS } from "../commands/index.js";
import { sweepExpired } from "../services/approvals/index.js";
import { createInventoryCache } from "../services/inventory/cache.js";
import type { Clock, Log, NotifierByPlatform } from "../services/ports.js";
import { provisionServices } from "../services/provision/deps.js";
import { ImageCatalog } from "../services/templates/catalog/catalog.js";
import { createAlertMetrics } from "./alert-metrics.js";
import { createAlertMessages } from "./compose/alert-messages.js";
import { type Alerts, createAlerts } from "./compose/alerts.js";
import { createCommandCore, createCommandServices, createDispatcher } from "./compose/dispatcher.js";
import { createHttp, mountRoutes, readinessChecks } from "./compose/http.js";
import {
  createJobQueue,
  jobDefinitions,
  jobsSettings,
  queueSettingsFrom,
  releaseJobsConnection,
  startSchedule,
  startWorker,
  workerSettingsFrom,
} from "./compose/jobs.js";
import { createStores, type OpenStore, openStore, type Stores, storeSettingsFrom } from "./compose/stores.js";
import { createTemplateServices } from "./compose/templates.js";
import { createUpdateServices, startWindowSchedule } from "./compose/updates.js";
import { collectSecretValues, createScrubber } from "./config/redact.js";
import type { Config } from "./config/schema.js";
import type { Route } from "./http/server.js";
import type { HttpSurface } from "./http/surface.js";
import { createMetrics, type Metrics } from "./metrics.js";
import type { Dispatcher } from "./pipeline/dispatcher.js";
import type { RequestScope } from "./request-scope.js";
import { StartError, waitForProxmox } from "./start-checks.js";

/** What an HTTP route may be built from: the services exist before any route is mounted. */
export interface ComposedServices {
  dispatcher: Dispatcher;
  services: CommandServices;
  stores: Stores;
  notifiers: NotifierByPlatform;
  metrics: Metrics;
  alerts: Alerts;
}

/** Routes given as they are (a chat platform's event endpoint), or built from the composed services. */
export type RouteSource = readonly Route[] | ((composed: ComposedServices) => readonly Route[]);

export interface BotOptions {
  config: Config;
  log: Log;
  clock: Clock;
  version: string;
  /** Chat front-ends to start; each also serves as the notifier for its platform. */
  chat: ChatAdapter[];
  /** Adapters used only to post and edit (a worker process edits job cards but takes no commands). */
  notifyOnly?: ChatAdapter[];
  /** Extra HTTP routes (Slack events, webhooks), mounted on the public server once the services exist. */
  routes?: RouteSource;
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
  /** Alert webhooks, store and routing; the chat side registers its renderer with `alerts.onChanged`. */
  alerts: Alerts;
  http?: HttpSurface;
  /** The port the HTTP server listens on, once started. */
  port?: number;
  /** The admin port (`/readyz`, `/metrics`) when `http.adminPort` is set, once started. */
  adminPort?: number;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function createBot(options: BotOptions): Promise<Bot> {
  const store = await openStore(options.config.redis.url, {
    log: options.log,
    timeoutMs: options.redisTimeoutMs ?? 3000,
    health: options.redisHealth,
  });
  try {
    return await assemble(options, store);
  } catch (err) {
    store.close();
    throw err;
  }
}

async function assemble(options: BotOptions, store: OpenStore): Promise<Bot> {
  const { config, log, clock } = options;
  const redisHealth = store.health;
  const adapters = [...options.chat, ...(options.notifyOnly ?? [])];
  const notifiers: NotifierByPlatform = Object.fromEntries(adapters.map((a) => [a.platform, a]));
  const scrub = createScrubber(collectSecretValues(config));

  const stores = createStores(store.redis, storeSettingsFrom(config, scrub));
  const proxmox: ProxmoxClient | undefined = config.proxmox
    ? createProxmoxClient(config.proxmox, { log, clock })
    : undefined;
  // One shared /cluster/resources read for the listings; the services' writes drop it.
  const inventory =
    proxmox &&
    config.proxmox &&
    createInventoryCache(proxmox, { ttlMs: config.proxmox.inventoryCacheTtl, clock });
  const imageCatalog = ImageCatalog.load(config.templates.catalog.images);
  const templates =
    inventory &&
    createTemplateServices({
      proxmox: inventory.invalidating,
      catalog: imageCatalog,
      mirrors: config.templates.catalog.mirrors,
      stores,
      config: config.templates,
      clock,
      log,
    });
  const provision = templates && provisionServices(templates, config.provision);
  const updates =
    inventory &&
    createUpdateServices({ proxmox: inventory.invalidating, config: config.updates, clock, log });
  const metrics = createMetrics({
    jobCounts: () => jobs.counts(),
    deliveries: () =>
      Object.fromEntries(adapters.flatMap((a) => (a.deliveryStats ? [[a.platform, a.deliveryStats()]] : []))),
  });
  const alerts = createAlerts({
    config: config.alerts,
    redis: store.redis,
    prefix: config.redis.prefix,
    now: () => clock.now(),
    log,
    observer: createAlertMetrics(metrics.registry),
  });
  const core = createCommandCore({
    commands: ALL_COMMANDS,
    stores,
    notifiers,
    approvals: config.approvals,
    clock,
    log,
    auditRetry: { onEvent: (event, buffered) => metrics.observeAuditRetry(event, buffered) },
  });
  const jobSettings = jobsSettings({
    redisUrl: config.redis.url,
    keyPrefix: config.redis.prefix,
    definitions: jobDefinitions({
      templates,
      provision,
      updates,
      notifiers,
      approvals: core.approvalRequester,
    }),
    notifiers,
    clock,
    log,
    redisHealth,
  });
  const jobs = createJobQueue(jobSettings, queueSettingsFrom(config, stores.audit));
  // The chat side of alerting: living messages, buttons and commands, silences, escalation timers.
  const alertMessages = createAlertMessages({
    store: alerts.store,
    notifiers,
    policyFor: (route) => alerts.routing.policyFor(route),
    sources: config.alerts.sources,
    labels: config.alerts.labels,
    escalation: {
      connection: jobSettings.connection,
      prefix: jobSettings.prefix,
      worker: config.jobs.runWorker,
      redisHealth,
    },
    clock,
    log,
  });
  alerts.onChanged(alertMessages.onChanged);
  const services = createCommandServices({
    core,
    stores,
    jobs,
    rbac: { ...config.rbac, people: config.people },
    version: options.version,
    proxmox: inventory?.cached,
    imageCatalog,
    templates,
    provision,
    updates,
    alerts: alertMessages.services,
  });
  const dispatcher = createDispatcher({
    core,
    services,
    notifiers,
    clock,
    log,
    metrics: {
      commandFinished: (command, outcome, seconds) => metrics.observeCommand(command, outcome, seconds),
      approvalDecided: (outcome) => metrics.observeApproval(outcome),
    },
    scrub,
    unavailable: whenUnavailable,
    scope: options.scope,
  });

  const http =
    options.http === false
      ? undefined
      : createHttp({
          config: config.http,
          log,
          metrics,
          scrub,
          readiness: readinessChecks({ redis: store.redis, proxmox, adapters }),
        });
  const started: ChatAdapter[] = [];
  let worker: JobWorkerHandle | undefined;
  let schedule: { close(): Promise<void> } | undefined;
  let windows: { close(): Promise<void> } | undefined;
  let sweepTimer: NodeJS.Timeout | undefined;
  let sweeping: Promise<unknown> = Promise.resolve();

  const bot: Bot = {
    dispatcher,
    services,
    metrics,
    alerts,
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
      await windows?.close();
      await worker?.close();
      // Final job-card edits the worker queued in a notify-only adapter's outbox are delivered before exit.
      for (const adapter of options.notifyOnly ?? []) await adapter.stop();
      await jobs.close();
      await releaseJobsConnection(jobSettings);
      await core.auditRetry.close();
      await http?.close();
      await alerts.ingest.settled();
      await alertMessages.close();
      proxmox?.close();
      store.close();
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
      worker = startWorker(jobSettings, workerSettingsFrom(config, stores.audit));
      if (templates) schedule = await startSchedule(jobSettings, config.templates.schedule, jobs, log);
      if (updates)
        windows = await startWindowSchedule(jobSettings, {
          updates,
          jobs,
          approvals: core.approvalRequester,
        });
    }
    await alertMessages.start();
    sweepTimer = setInterval(() => {
      sweeping = sweepExpired({ store: stores.approvals, notifier: notifiers, now: clock.now(), log })
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
  if (http) {
    const source = options.routes ?? [];
    const composed: ComposedServices = { dispatcher, services, stores, notifiers, metrics, alerts };
    try {
      mountRoutes(http, [...alerts.routes, ...(typeof source === "function" ? source(composed) : source)]);
    } catch (err) {
      // Two routes on one path is a wiring bug: the queue's connections made above are closed before it is reported.
      await bot.stop().catch((stopErr: unknown) => log.debug({ err: stopErr }, "stop after failed wiring"));
      throw err;
    }
  }
  return bot;
}
