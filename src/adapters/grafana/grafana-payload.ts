/**
 * Grafana unified alerting's webhook body (`version: "1"`, Grafana 10–12): Alertmanager's template data
 * plus `orgId`, `title`, `state`, `message`, and per alert the silence, dashboard and panel links, the
 * evaluated `values` (null when the rule had none), `valueString`, and, in some versions, `imageURL`,
 * `orgId`, `ruleUID`. Empty link strings are treated as absent.
 */
import { z } from "zod";
import type { AlertSourceKind } from "../../services/alerts/model.js";
import {
  baseAlert,
  baseBatch,
  commonAlertFields,
  commonBatchFields,
  optionalUrl,
  type PayloadParse,
  problemOf,
} from "./payload-common.js";

const grafanaAlert = z.object({
  ...commonAlertFields,
  silenceURL: optionalUrl,
  dashboardURL: optionalUrl,
  panelURL: optionalUrl,
  imageURL: optionalUrl,
  values: z.record(z.string(), z.number()).nullable().optional(),
  valueString: z.string().optional(),
  orgId: z.number().int().optional(),
  ruleUID: z.string().optional(),
});

const grafanaPayload = z.object({
  version: z.literal("1", { message: 'expected "1" (a Grafana webhook); Alertmanager sends "4"' }),
  ...commonBatchFields,
  orgId: z.number().int().optional(),
  alerts: z.array(grafanaAlert).min(1, "a notification carries at least one alert"),
  title: z.string().optional(),
  state: z.string().optional(),
  message: z.string().optional(),
});

export function parseGrafanaPayload(
  body: unknown,
  source: { kind: AlertSourceKind; name: string },
  receivedAt: number,
): PayloadParse {
  const parsed = grafanaPayload.safeParse(body);
  if (!parsed.success) return { ok: false, problem: problemOf(parsed.error) };
  const p = parsed.data;
  const alerts = p.alerts.map((a) => ({
    ...baseAlert(a),
    ...(a.silenceURL ? { silenceURL: a.silenceURL } : {}),
    ...(a.dashboardURL ? { dashboardURL: a.dashboardURL } : {}),
    ...(a.panelURL ? { panelURL: a.panelURL } : {}),
    ...(a.imageURL ? { imageURL: a.imageURL } : {}),
    ...(a.values ? { values: a.values } : {}),
    ...(a.valueString ? { valueString: a.valueString } : {}),
  }));
  const batch = baseBatch(p, source, alerts, receivedAt);
  return { ok: true, batch: p.orgId === undefined ? batch : { ...batch, orgId: p.orgId } };
}
