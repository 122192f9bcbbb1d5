/**
 * Alertmanager's webhook body (`version: "4"`, Alertmanager 0.25 and later): its template data plus
 * `groupKey` and `truncatedAlerts`. Newer versions add `notification_reason` (0.32) and `routeLabels`
 * (0.34); they are accepted and not used.
 */
import { z } from "zod";
import type { AlertSourceKind } from "../../services/alerts/model.js";
import {
  baseAlert,
  baseBatch,
  commonAlertFields,
  commonBatchFields,
  type PayloadParse,
  problemOf,
} from "./payload-common.js";

const alertmanagerPayload = z.object({
  version: z.literal("4", { message: 'expected "4" (an Alertmanager webhook); Grafana sends "1"' }),
  ...commonBatchFields,
  alerts: z.array(z.object(commonAlertFields)).min(1, "a notification carries at least one alert"),
});

export function parseAlertmanagerPayload(
  body: unknown,
  source: { kind: AlertSourceKind; name: string },
  receivedAt: number,
): PayloadParse {
  const parsed = alertmanagerPayload.safeParse(body);
  if (!parsed.success) return { ok: false, problem: problemOf(parsed.error) };
  return { ok: true, batch: baseBatch(parsed.data, source, parsed.data.alerts.map(baseAlert), receivedAt) };
}
