/**
 * Alerting's webhook side, composed from the `alerts:` config: the Redis alert store, the routing, the
 * ingest service, and one POST route per configured source. The chat side connects through `onChanged`
 * (called after every ingest that changed a group) and reads the store, routing and policies from here.
 *
 * Start-up refuses a source without auth unless it says `allowUnauthenticated: true` (the config schema
 * does too; this guards configs built in code) and warns about every unauthenticated source, and about
 * HMAC without a signed timestamp (replays of captured calls cannot be told apart then).
 */

import {
  createWebhookHandler,
  type WebhookAnswer,
  type WebhookObserver,
  type WebhookRequest,
} from "../../adapters/grafana/webhook-handler.js";
import { RedisAlertStore } from "../../adapters/store/alert-store.js";
import type { RedisClient } from "../../adapters/store/redis-target.js";
import { RedisReplayGuard } from "../../adapters/store/replay-guard.js";
import { type AlertIngest, createAlertIngest } from "../../services/alerts/ingest.js";
import { type AlertRouting, createAlertRouting } from "../../services/alerts/routing.js";
import type { Log } from "../../services/ports.js";
import { type AlertsConfig, webhookPath } from "../config/alerts.js";
import { sendJson } from "../http/respond.js";
import type { Route, RouteHandler } from "../http/server.js";

export interface AlertsInput {
  config: AlertsConfig;
  redis: RedisClient;
  /** The deployment's key prefix (`redis.prefix`). */
  prefix: string;
  now: () => number;
  log: Log;
  observer?: WebhookObserver;
}

export interface Alerts {
  store: RedisAlertStore;
  routing: AlertRouting;
  ingest: AlertIngest;
  /** One POST route per source; empty when no source is configured. */
  routes: Route[];
  /** Registers what happens after a group changed (the chat side posts or edits its messages). */
  onChanged: AlertIngest["onChanged"];
}

/** Throws listing every source that has no auth and no `allowUnauthenticated: true`; warns for the rest. */
function checkAlertSources(config: AlertsConfig, log: Log): void {
  const open = Object.entries(config.sources).filter(([, s]) => s.auth.type === "none");
  const refused = open
    .filter(([, s]) => !s.allowUnauthenticated)
    .map(([name]) => `alerts.sources.${name}.auth`);
  if (refused.length > 0) {
    throw new Error(
      `alert webhooks without auth: ${refused.join(", ")}; configure hmac, bearer or basic, or set allowUnauthenticated: true`,
    );
  }
  for (const [name, source] of open) {
    log.warn(
      { source: name, path: webhookPath(source) },
      "alert webhook accepts unauthenticated calls (allowUnauthenticated: true); anyone who reaches it can post alerts",
    );
  }
  for (const [name, source] of Object.entries(config.sources)) {
    if (source.auth.type === "hmac" && !source.auth.timestampHeader) {
      log.warn(
        { source: name },
        "alert webhook HMAC without timestampHeader: a captured call could be replayed; set timestampHeader",
      );
    }
  }
}

/** Runs a webhook handler on the raw request and writes its answer with the server's JSON helper. */
function answerWith(handle: (request: WebhookRequest) => Promise<WebhookAnswer>): RouteHandler {
  return async (req, res, body) => {
    const answer = await handle({ headers: req.headers, body });
    sendJson(res, answer.status, answer.body, answer.headers);
  };
}

export function createAlerts(input: AlertsInput): Alerts {
  const { config, log } = input;
  checkAlertSources(config, log);
  const store = new RedisAlertStore(input.redis, { prefix: input.prefix, retentionMs: config.retention });
  const routing = createAlertRouting(config);
  const ingest = createAlertIngest({ store, routing, log: log.child({ component: "alerts" }) });
  const ledger = RedisReplayGuard.on(input.redis, input.prefix);
  const routes: Route[] = Object.entries(config.sources).map(([name, source]) => ({
    method: "POST",
    path: webhookPath(source),
    maxBodyBytes: config.bodyLimit,
    handler: answerWith(
      createWebhookHandler({
        source: { name, kind: source.kind, auth: source.auth },
        ingest: (batch) => ingest.ingest(batch),
        ledger,
        now: input.now,
        log: log.child({ component: "alert-webhook" }),
        observer: input.observer,
      }),
    ),
  }));
  return { store, routing, ingest, routes, onChanged: (listener) => ingest.onChanged(listener) };
}
