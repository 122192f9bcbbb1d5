/**
 * What Grafana's and Alertmanager's webhook payloads share (Grafana's is Alertmanager's template data plus
 * extras): label maps, Go time stamps, the alert fields both send. Unknown fields are dropped, not refused:
 * both senders add fields over versions (`notification_reason`, `routeLabels`, `enrichments`), and a new
 * field must not turn alerts away.
 *
 * The schemas only validate; converting (times to milliseconds, null maps and empty links to absent) is
 * done once afterwards in `baseAlert`/`baseBatch`, which keeps zod's work per alert small in a storm.
 */
import { z } from "zod";
import type { Alert, AlertBatch, AlertSourceKind } from "../../services/alerts/model.js";

/** Go marshals a nil map as `null`; both mean "no labels". */
const labelMap = z.record(z.string(), z.string()).nullish();

/** Go's zero time (`0001-01-01T00:00:00Z`) and anything before 1970 mean "not set". */
const ZERO_TIME_MS = 0;

/** An RFC 3339 time, nanoseconds allowed (Go's format). */
const goTime = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/,
    "an RFC 3339 time like 2024-05-01T12:00:00Z",
  );

/** Milliseconds since the epoch; the zero time → undefined. */
function millis(time: string | undefined): number | undefined {
  if (time === undefined) return undefined;
  const ms = Date.parse(time);
  return ms > ZERO_TIME_MS ? ms : undefined;
}

/** A URL field that Grafana sends as "" when it has none; the normalizers treat "" as absent. */
export const optionalUrl = z.string().optional();

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

type LabelMap = Record<string, string> | null | undefined;

type ParsedAlert = {
  status: Alert["status"];
  labels?: LabelMap;
  annotations?: LabelMap;
  startsAt: string;
  endsAt?: string | undefined;
  generatorURL?: string | undefined;
  fingerprint: string;
};

/**
 * The common part of one alert. `startsAt` 0 means the sender gave the zero time (Grafana's test
 * notifications do). `endsAt` is kept only for resolved alerts: while firing, senders put a zero or an
 * estimated future time there.
 */
export function baseAlert(a: ParsedAlert): Alert {
  const endsAt = a.status === "resolved" ? millis(a.endsAt) : undefined;
  return {
    fingerprint: a.fingerprint,
    status: a.status,
    labels: a.labels ?? {},
    annotations: a.annotations ?? {},
    startsAt: millis(a.startsAt) ?? 0,
    ...(endsAt !== undefined ? { endsAt } : {}),
    ...(a.generatorURL ? { generatorURL: a.generatorURL } : {}),
  };
}

type ParsedBatch = {
  receiver: string;
  status: Alert["status"];
  groupLabels?: LabelMap;
  commonLabels?: LabelMap;
  commonAnnotations?: LabelMap;
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
    groupLabels: p.groupLabels ?? {},
    commonLabels: p.commonLabels ?? {},
    commonAnnotations: p.commonAnnotations ?? {},
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
