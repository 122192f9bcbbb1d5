/**
 * An alert group as one Reply: the living message each conversation keeps for it. Everything the on-call
 * person needs to decide is on it (what fires, where, how bad, since when, who is on it) and the buttons to
 * act; the adapters cut it to their platform's limits, so this stays within the strictest (Slack) already:
 * short fields, at most ten alert lines, five action buttons and five links.
 */
import { shortText as cut } from "../audit/refusal.js";
import { formatDuration, formatUtc } from "../format.js";
import { personMention } from "../person-mention.js";
import type { Reply, ReplyButton, ReplyField, ReplyLink, Tone } from "../vocabulary/reply.js";
import { type Alert, type AlertGroup, type AlertGroupState, groupState } from "./model.js";

/** The labels shown when the config names none (`alerts.labels`). */
export const DEFAULT_ALERT_LABELS = ["alertname", "instance", "severity", "job"] as const;

/** Alerts listed one line each on the message; the rest are counted. */
const ALERT_LINES = 10;
/** A field value or one alert line longer than this is cut: a label value is not an essay. */
const VALUE_MAX = 200;
const TEXT_MAX = 1500;

export const QUICK_SILENCES = ["1h", "4h", "24h"] as const;

/** Button action ids: `alert:<group>:ack`, `alert:<group>:silence:4h`, `alert:<group>:silence` (the form). */
export type AlertVerb =
  | { verb: "ack" }
  | { verb: "unack" }
  | { verb: "silence"; duration?: string }
  | { verb: "unsilence" };

const ACTION = /^alert:([A-Za-z0-9_-]{1,64}):(ack|unack|unsilence|silence)(?::(1h|4h|24h))?$/;

export function alertActionId(groupId: string, action: AlertVerb): string {
  const tail = action.verb === "silence" && action.duration ? `:${action.duration}` : "";
  return `alert:${groupId}:${action.verb}${tail}`;
}

/** The group id and verb an alert button carries, or undefined for any other id. */
export function parseAlertAction(actionId: string): ({ groupId: string } & AlertVerb) | undefined {
  const m = ACTION.exec(actionId);
  if (!m) return undefined;
  const verb = m[2] as AlertVerb["verb"];
  if (m[3] && verb !== "silence") return undefined;
  return verb === "silence" && m[3] ? { groupId: m[1]!, verb, duration: m[3] } : { groupId: m[1]!, verb };
}

/** Field ids of the Silence… form. */
export const SILENCE_FORM = { duration: "duration", comment: "comment" } as const;

export interface RenderOptions {
  /** Labels shown as fields, in this order (`alerts.labels`). */
  labels: readonly string[];
  now: number;
}

const STATE_WORD: Record<AlertGroupState, string> = {
  firing: "Firing",
  acked: "Acknowledged",
  silenced: "Silenced",
  resolved: "Resolved",
};

/** The group's living message. */
export function alertGroupReply(group: AlertGroup, options: RenderOptions): Reply {
  const state = groupState(group, options.now);
  const alerts = Object.values(group.alerts);
  const firing = alerts.filter((a) => a.status === "firing");
  const lead = firing[0] ?? alerts[0];
  const annotation = (key: string) => group.commonAnnotations[key] ?? lead?.annotations[key];
  const text = [annotation("summary"), annotation("description")].filter(Boolean).join("\n");
  const lines = alertLines(alerts, options.labels);
  return {
    title: `${STATE_WORD[state]}: ${alertGroupName(group)}`,
    tone: toneOf(group, state),
    text: cut([text, lines].filter(Boolean).join("\n\n"), TEXT_MAX),
    fields: [
      ...labelFields(group, alerts, options.labels),
      {
        label: "Alerts",
        value: countLine(firing.length, alerts.length - firing.length, group.truncatedAlerts),
      },
      ...valueField(lead),
    ],
    context: [stateLine(group, state, options.now), `group ${group.id} · ${group.sourceName}`].join(" · "),
    buttons: alertButtons(group.id, state),
    links: alertLinks(group, lead),
    visibility: "channel",
  };
}

/** `HostHighCpu`, or the group labels when the group has no single alert name. */
export function alertGroupName(group: AlertGroup): string {
  const name = group.commonLabels.alertname ?? group.groupLabels.alertname;
  if (name) return name;
  const labels = Object.entries(group.groupLabels).map(([k, v]) => `${k}=${v}`);
  return labels.length > 0 ? labels.join(", ") : "alert group";
}

/** What the message says about who is on it: "acknowledged by X", "silenced by Y until T", "resolved after D". */
export function stateLine(group: AlertGroup, state: AlertGroupState, now: number): string {
  switch (state) {
    case "resolved":
      return `resolved after ${formatDuration((group.resolvedAt ?? now) - group.firstFiringAt)}`;
    case "silenced":
      return `silenced by ${personMention(group.silence!.by)} until ${formatUtc(group.silence!.until)}`;
    case "acked":
      return `acknowledged by ${personMention(group.ack!.by)} at ${formatUtc(group.ack!.at)}`;
    default:
      return `firing since ${formatUtc(group.firstFiringAt)}`;
  }
}

function toneOf(group: AlertGroup, state: AlertGroupState): Tone {
  if (state === "resolved") return "success";
  if (state === "silenced") return "info";
  const severity = (group.commonLabels.severity ?? "").toLowerCase();
  if (["critical", "high", "error", "page", "disaster"].includes(severity)) return "danger";
  if (["info", "informational", "none", "low"].includes(severity)) return "info";
  return "warning";
}

function labelFields(group: AlertGroup, alerts: Alert[], labels: readonly string[]): ReplyField[] {
  const fields: ReplyField[] = [];
  for (const label of labels) {
    const common = group.commonLabels[label];
    const values = common !== undefined ? [common] : distinct(alerts.map((a) => a.labels[label]));
    if (values.length === 0) continue;
    fields.push({ label, value: cut(values.join(", "), VALUE_MAX) });
  }
  return fields.slice(0, 6);
}

function countLine(firing: number, resolved: number, truncated: number): string {
  const more = truncated > 0 ? `, ${truncated} more not sent by the source` : "";
  return `${firing} firing, ${resolved} resolved${more}`;
}

function valueField(alert: Alert | undefined): ReplyField[] {
  if (!alert) return [];
  const value = currentValue(alert);
  return value ? [{ label: "Value", value: cut(value, VALUE_MAX) }] : [];
}

/** Grafana's evaluated values: `A=93.5, B=1`, or its value string when it sent no map. */
function currentValue(alert: Alert): string | undefined {
  if (alert.values && Object.keys(alert.values).length > 0) {
    return Object.entries(alert.values)
      .map(([ref, v]) => `${ref}=${Number.isInteger(v) ? v : v.toFixed(3)}`)
      .join(", ");
  }
  return alert.valueString || undefined;
}

/** One line per alert when the group holds several (which instance, which state, its value). */
function alertLines(alerts: Alert[], labels: readonly string[]): string {
  if (alerts.length < 2) return "";
  const sorted = [...alerts].sort((a, b) =>
    a.status === b.status ? a.startsAt - b.startsAt : a.status === "firing" ? -1 : 1,
  );
  const lines = sorted.slice(0, ALERT_LINES).map((a) => {
    const shown = labels
      .filter((l) => l !== "alertname" && a.labels[l] !== undefined)
      .map((l) => `${l}=${a.labels[l]}`)
      .join(" ");
    const value = currentValue(a);
    return cut(`• ${a.status} ${shown || a.fingerprint}${value ? ` (${value})` : ""}`, VALUE_MAX);
  });
  if (alerts.length > ALERT_LINES) lines.push(`… and ${alerts.length - ALERT_LINES} more`);
  return lines.join("\n");
}

/** Resolved groups have nothing to act on; a silenced one can only be unsilenced. */
function alertButtons(groupId: string, state: AlertGroupState): ReplyButton[] {
  if (state === "resolved") return [];
  const id = (action: AlertVerb) => alertActionId(groupId, action);
  const buttons: ReplyButton[] = [];
  if (state === "firing") buttons.push({ id: id({ verb: "ack" }), label: "Acknowledge", style: "primary" });
  if (state === "acked") buttons.push({ id: id({ verb: "unack" }), label: "Unacknowledge" });
  if (state === "silenced") {
    buttons.push({ id: id({ verb: "unsilence" }), label: "Unsilence" });
    return buttons;
  }
  for (const d of QUICK_SILENCES)
    buttons.push({ id: id({ verb: "silence", duration: d }), label: `Silence ${d}` });
  buttons.push({
    id: id({ verb: "silence" }),
    label: "Silence…",
    prompt: {
      title: "Silence alert group",
      submit: "Silence",
      fields: [
        { id: SILENCE_FORM.duration, label: "Duration (30m, 4h, 2d)", placeholder: "2h", maxLength: 10 },
        { id: SILENCE_FORM.comment, label: "Comment", multiline: true, required: false, maxLength: 500 },
      ],
    },
  });
  return buttons;
}

const LINKS: readonly [label: string, pick: (g: AlertGroup, a: Alert | undefined) => string | undefined][] = [
  ["Dashboard", (_g, a) => a?.dashboardURL],
  ["Panel", (_g, a) => a?.panelURL],
  ["Runbook", (g, a) => g.commonAnnotations.runbook_url ?? a?.annotations.runbook_url],
  ["Silence in Grafana", (_g, a) => a?.silenceURL],
  ["Source", (_g, a) => a?.generatorURL],
];

function alertLinks(group: AlertGroup, lead: Alert | undefined): ReplyLink[] {
  const links: ReplyLink[] = [];
  for (const [label, pick] of LINKS) {
    const url = pick(group, lead);
    if (url && /^https?:\/\//.test(url)) links.push({ label, url });
  }
  return links;
}

function distinct(values: (string | undefined)[]): string[] {
  return [...new Set(values.filter((v): v is string => v !== undefined && v !== ""))];
}
