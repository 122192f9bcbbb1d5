/**
 * What Grafana's and Alertmanager's webhook payloads share (Grafana's is Alertmanager's template data plus
 * extras): label maps, Go time stamps, the alert fields both send. Unknown fields are dropped, not refused:
 * both senders add fields over versions (`notification_reason`, `routeLabels`, `enrichments`), and a new
 * field must not turn alerts away.
 */
import { z } from "zod";
import type { Alert, AlertBatch, AlertSourceKind } from "../../services/alerts/model.js";

/** Go marshals a nil map as `null`; both mean "no labels". */
const labelMap = z
  .record(z.string(), z.string())
  .nullable()
  .optional()
  .transform((m) => m ?? {});

/** Go's zero time (`0001-01-01T00:00:00Z`) and anything before 1970 mean "not set". */
const ZERO_TIME_MS = 0;

/** An RFC 3339 time (nanoseconds allowed) → ms since the epoch; the zero time → undefined. */
const goTime = z
  .string()
  .refine((s) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s), {
    message: "an RFC 3339 time like 2024-05-01T12:00:00Z",
  })
  .transform((s) => {
    const ms = Date.parse(s);
    return ms > ZERO_TIME_MS ? ms : undefined;
  });

/** A URL field that Grafana sends as "" when it has none. */
export const optionalUrl = z
  .string()
  .optional()
  .transform((s) => (s === undefined || s === "" ? undefined : s));

const alertStatus = z.enum(["firing", "resolved"]);

export const commonAlertFields = {
  status: alertStatus,
  labels: labelMap,
  annotations: labelMap,
  startsAt: goTime,
  endsAt: goTime.optional(),
  generatorURL: optionalUrl,
  fingerprint: z.string().min(1).max(128),
};

export const commonBatchFields = {
  receiver: z.string(),
  status: alertStatus,
  groupLabels: labelMap,
  commonLabels: labelMap,
  commonAnnotations: labelMap,
  externalURL: optionalUrl,
  groupKey: z.string().max(8192),
  truncatedAlerts: z.number().int().nonnegative().optional(),
};

type ParsedAlert = {
  status: Alert["status"];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: number | undefined;
  endsAt?: number | undefined;
  generatorURL?: string | undefined;
  fingerprint: string;
};

/**
 * The common part of one alert. `startsAt` 0 means the sender gave the zero time (Grafana's test
 * notifications do). `endsAt` is kept only for resolved alerts: while firing, senders put a zero or an
 * estimated future time there.
 */
export function baseAlert(a: ParsedAlert): Alert {
  return {
    fingerprint: a.fingerprint,
    status: a.status,
    labels: a.labels,
    annotations: a.annotations,
    startsAt: a.startsAt ?? 0,
    ...(a.status === "resolved" && a.endsAt !== undefined ? { endsAt: a.endsAt } : {}),
    ...(a.generatorURL ? { generatorURL: a.generatorURL } : {}),
  };
}

type ParsedBatch = {
  receiver: string;
  status: Alert["status"];
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL?: string | undefined;
  groupKey: string;
  truncatedAlerts?: number | undefined;
};

export function baseBatch(
  p: ParsedBatch,
  source: { kind: AlertSourceKind; name: string },
  alerts: Alert[],
  receivedAt: number,
): AlertBatch {
  return {
    source: source.kind,
    sourceName: source.name,
    receiver: p.receiver,
    groupKey: p.groupKey,
    status: p.status,
    groupLabels: p.groupLabels,
    commonLabels: p.commonLabels,
    commonAnnotations: p.commonAnnotations,
    ...(p.externalURL ? { externalURL: p.externalURL } : {}),
    truncatedAlerts: p.truncatedAlerts ?? 0,
    alerts,
    receivedAt,
  };
}

/** A refused payload: the first problem, with its path (`alerts.0.startsAt`), safe to send back. */
export interface PayloadProblem {
  path: string;
  message: string;
}

export type PayloadParse = { ok: true; batch: AlertBatch } | { ok: false; problem: PayloadProblem };

export function problemOf(error: z.ZodError): PayloadProblem {
  const issue = error.issues[0]!;
  const path = issue.path.map(String).join(".");
  return { path: path === "" ? "(body)" : path, message: issue.message };
}
