/**
 * The chat side of alerting, built from narrow inputs so the wiring stays a few lines next to the webhook
 * side (compose/alerts.ts): the living messages (messenger), the actions behind the buttons and commands,
 * the Alertmanager silence clients per source, and the escalation timers (BullMQ).
 *
 * `onChanged` is the store's ingest listener; `services` goes into CommandServices.alerts; `start()` begins
 * the first sweep of groups a crash left unposted (in the background) and then one every `sweepMs`;
 * `close()` stops it all.
 */

import { AlertmanagerSilenceClient, type SilenceAuth } from "../../adapters/grafana/silence-client.js";
import { startAlertEscalations } from "../../adapters/queue/alert-escalations.js";
import type { QueueConnection } from "../../adapters/queue/connection.js";
import type { RedisHealth } from "../../adapters/store/redis-health.js";
import { AlertActions, type SilenceSource } from "../../services/alerts/actions.js";
import { Escalator } from "../../services/alerts/escalation.js";
import { AlertMessenger } from "../../services/alerts/messages.js";
import type { AlertRoutePolicy } from "../../services/alerts/model.js";
import type { AlertStore, IngestResult } from "../../services/alerts/ports.js";
import { DEFAULT_ALERT_LABELS } from "../../services/alerts/render.js";
import type { Clock, Log, NotifierByPlatform } from "../../services/ports.js";

export interface AlertMessagesInput {
  store: AlertStore;
  notifiers: NotifierByPlatform;
  /** The matched route's policy by name (`default` for the default route). */
  policyFor(route: string): AlertRoutePolicy;
  /** Every configured source by name, with its silence API when `alerts.sources.<name>.silences` is set. */
  sources: Record<string, { silences?: { url: string; auth?: SilenceAuth } }>;
  /** `alerts.labels`; the defaults when absent. */
  labels?: readonly string[];
  /** Escalation timers on BullMQ; without it groups are never re-announced. */
  escalation?: { connection: QueueConnection; prefix: string; worker?: boolean; redisHealth?: RedisHealth };
  /** The verifying fetch (adapters/verified-http.ts) for the silence APIs. */
  fetch?: typeof globalThis.fetch;
  /** How often groups left dirty are rendered again; default 30 s. */
  sweepMs?: number;
  clock: Clock;
  log: Log;
}

export interface AlertMessages {
  onChanged(result: IngestResult): Promise<void>;
  services: AlertActions;
  messenger: AlertMessenger;
  start(): Promise<void>;
  close(): Promise<void>;
}

export function createAlertMessages(input: AlertMessagesInput): AlertMessages {
  const log = input.log.child({ component: "alerts" });
  const labels = input.labels ?? DEFAULT_ALERT_LABELS;
  const silences = new Map<string, SilenceSource>();
  for (const [name, source] of Object.entries(input.sources)) {
    silences.set(
      name,
      source.silences
        ? { api: new AlertmanagerSilenceClient({ ...source.silences, fetch: input.fetch }) }
        : { unavailable: `no silence API is configured (alerts.sources.${name}.silences)` },
    );
  }
  let escalator: Escalator | undefined;
  const timers = input.escalation
    ? startAlertEscalations(
        { ...input.escalation, fire: (timer) => escalator!.fire(timer), clock: input.clock, log },
        input.escalation.worker ?? true,
      )
    : undefined;
  if (timers) {
    escalator = new Escalator({
      store: input.store,
      notifiers: input.notifiers,
      policyFor: input.policyFor,
      timers,
      clock: input.clock,
      log,
    });
  }
  const messenger = new AlertMessenger({
    store: input.store,
    notifiers: input.notifiers,
    clock: input.clock,
    log,
    labels,
    rendered: escalator ? (group) => escalator.plan(group) : undefined,
  });
  const services = new AlertActions({
    store: input.store,
    policyFor: input.policyFor,
    silenceSource: (name) =>
      silences.get(name) ?? { unavailable: `no alert source named ${name} is configured` },
    silenceSourceNames: () => [...silences.entries()].filter(([, s]) => "api" in s).map(([n]) => n),
    clock: input.clock,
    labels,
    changed: (group, note) => messenger.refresh(group.id, [note]),
  });
  let sweeper: NodeJS.Timeout | undefined;
  const sweep = () =>
    messenger.sweep().catch((err) => log.warn({ err }, "alert sweep failed; the next one tries again"));
  return {
    onChanged: messenger.onChanged,
    services,
    messenger,
    async start() {
      // Not awaited: after a crash the sweep waits on the platforms' rate limits, start-up must not.
      void sweep();
      sweeper = setInterval(sweep, input.sweepMs ?? 30_000);
      sweeper.unref();
    },
    async close() {
      if (sweeper) clearInterval(sweeper);
      await timers?.close();
    },
  };
}
