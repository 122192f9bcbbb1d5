/**
 * The HTTP handler of one configured alert source (Grafana or Alertmanager). In order: auth over the raw
 * body (401), a signed timestamp claimed once (401 on a replay), JSON media type (415) and syntax (400),
 * the payload schema (400 naming the field), then ingest; 200 only once the alerts are stored. When Redis
 * cannot answer, 503 with Retry-After so the sender tries again (both senders retry 5xx), and the replay
 * claim is released so that retry is not mistaken for a replay. The body limit (413) is enforced by the
 * server before this runs. Nothing from the request's headers or body is logged beyond the field path.
 * The handler returns the answer as data; the bot's HTTP layer writes it.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { AlertBatch, AlertSourceKind } from "../../services/alerts/model.js";
import type { IngestResult } from "../../services/alerts/ports.js";
import { UnavailableError } from "../../services/errors.js";
import type { Log } from "../../services/ports.js";
import { parseAlertmanagerPayload } from "./alertmanager-payload.js";
import { parseGrafanaPayload } from "./grafana-payload.js";
import type { PayloadParse } from "./payload-common.js";
import { challengeOf, verifyWebhookAuth, type WebhookAuth } from "./webhook-auth.js";

/** Remembers signatures already accepted (src/adapters/store/replay-guard.ts). */
interface SignatureLedger {
  /** True the first time within `ttlMs`; rejects when Redis cannot tell. */
  claim(key: string, ttlMs: number): Promise<boolean>;
  release(key: string): Promise<void>;
}

export const REJECTION_REASONS = [
  "auth",
  "stale",
  "replay",
  "media_type",
  "json",
  "payload",
  "unavailable",
] as const;
export type WebhookRejection = (typeof REJECTION_REASONS)[number];

/** Counts for /metrics; `stored` alerts changed their group, `duplicates` were already known. */
export interface WebhookObserver {
  accepted(source: string, outcome: { alerts: number; changed: boolean }): void;
  rejected(source: string, reason: WebhookRejection): void;
}

interface WebhookSource {
  name: string;
  kind: AlertSourceKind;
  auth: WebhookAuth;
}

export interface WebhookHandlerOptions {
  source: WebhookSource;
  ingest: (batch: AlertBatch) => Promise<IngestResult>;
  /** Required when the source signs a timestamp; without one a signed timestamp cannot be claimed once. */
  ledger?: SignatureLedger;
  now: () => number;
  log: Log;
  observer?: WebhookObserver;
}

const PARSERS: Record<
  AlertSourceKind,
  (body: unknown, source: { kind: AlertSourceKind; name: string }, at: number) => PayloadParse
> = {
  grafana: parseGrafanaPayload,
  alertmanager: parseAlertmanagerPayload,
};

/** What to answer: a JSON body (`{error, message}` when refused) with its status and extra headers. */
export interface WebhookAnswer {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, string>;
}

export interface WebhookRequest {
  headers: IncomingHttpHeaders;
  /** The raw body, exactly as received (the HMAC is over these bytes). */
  body: Buffer;
}

function isJson(contentType: string | undefined): boolean {
  const type = contentType?.split(";")[0]?.trim().toLowerCase();
  return type === "application/json" || (type?.startsWith("application/") === true && type.endsWith("+json"));
}

export function createWebhookHandler(options: WebhookHandlerOptions) {
  const { source, log } = options;
  const parse = PARSERS[source.kind];
  const signsTimestamp = source.auth.type === "hmac" && source.auth.timestampHeader !== undefined;
  if (signsTimestamp && !options.ledger) {
    throw new Error(`alert source ${source.name}: a signed timestamp needs a replay ledger`);
  }
  const refuse = (
    status: number,
    reason: WebhookRejection,
    message: string,
    headers: Record<string, string> = {},
    extra: object = {},
  ): WebhookAnswer => {
    options.observer?.rejected(source.name, reason);
    return { status, body: { error: reason, message, ...extra }, headers };
  };

  return async ({ headers, body }: WebhookRequest): Promise<WebhookAnswer> => {
    const now = options.now();
    const verdict = verifyWebhookAuth(source.auth, headers, body, now);
    if (!verdict.ok) {
      log.warn(
        { source: source.name, reason: verdict.reason },
        "alert webhook refused: authentication failed",
      );
      const reason = verdict.reason === "stale" ? "stale" : "auth";
      return refuse(401, reason, verdict.message, challengeOf(source.auth));
    }
    let claimed: string | undefined;
    try {
      if (verdict.replayKey && options.ledger) {
        const key = `alerts:seen:${source.name}:${verdict.replayKey}`;
        if (!(await options.ledger.claim(key, verdict.replayTtlMs ?? 60_000))) {
          log.warn({ source: source.name }, "alert webhook refused: signature already used");
          return refuse(401, "replay", "this signature was already used; sign each call anew");
        }
        claimed = key;
      }
      if (!isJson(headers["content-type"])) {
        return refuse(415, "media_type", "send the alerts as application/json");
      }
      let json: unknown;
      try {
        json = JSON.parse(body.toString("utf8"));
      } catch {
        return refuse(400, "json", "the body is not valid JSON");
      }
      const parsed = parse(json, source, now);
      if (!parsed.ok) {
        const { path, message } = parsed.problem;
        log.info({ source: source.name, field: path }, "alert webhook refused: payload does not validate");
        return refuse(400, "payload", `${path}: ${message}`, {}, { field: path });
      }
      const result = await options.ingest(parsed.batch);
      claimed = undefined;
      options.observer?.accepted(source.name, {
        alerts: parsed.batch.alerts.length,
        changed: result.changed,
      });
      return {
        status: 200,
        body: { status: "stored", group: result.group.id, changed: result.changed },
        headers: {},
      };
    } catch (err) {
      if (!(err instanceof UnavailableError)) throw err;
      if (claimed) await options.ledger?.release(claimed).catch(() => undefined);
      return refuse(503, "unavailable", "the alert store is not answering; try again", {
        "Retry-After": "5",
      });
    }
  };
}
