/**
 * The alert model every part of alerting shares: what a webhook call becomes once validated (AlertBatch),
 * and the group the bot keeps one living message for (AlertGroup). Plain JSON data: groups live in Redis
 * and cross processes. Times are milliseconds since the epoch.
 */

import type { ConversationRef, MessageRef, Platform } from "../vocabulary/identity.js";

export const ALERT_SOURCE_KINDS = ["grafana", "alertmanager"] as const;
export type AlertSourceKind = (typeof ALERT_SOURCE_KINDS)[number];

export type AlertStatus = "firing" | "resolved";

/** One alert as a source reported it, normalized from Grafana's or Alertmanager's payload. */
export interface Alert {
  fingerprint: string;
  status: AlertStatus;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: number;
  /** Absent while firing (the sources send a zero or a far-future time then). */
  endsAt?: number;
  generatorURL?: string;
  silenceURL?: string;
  dashboardURL?: string;
  panelURL?: string;
  imageURL?: string;
  /** Grafana's evaluated values by ref id (`A`, `B`, …); absent when the source sent none. */
  values?: Record<string, number>;
  valueString?: string;
}

/** One validated webhook call. */
export interface AlertBatch {
  source: AlertSourceKind;
  /** The configured source's name (`alerts.sources.<name>`), so two Grafanas do not share groups. */
  sourceName: string;
  receiver: string;
  /** The sender's group key; with sourceName it identifies the group. */
  groupKey: string;
  status: AlertStatus;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL?: string;
  orgId?: number;
  /** Alerts the sender left out of this call (it sends at most its limit). */
  truncatedAlerts: number;
  alerts: Alert[];
  receivedAt: number;
}

/** Who did something from chat; audit keeps the ids, messages show the name. */
export interface AlertActor {
  platform: Platform;
  id: string;
  name: string;
}

export interface AlertAck {
  by: AlertActor;
  at: number;
}

export interface AlertSilence {
  /** The silence id the Alertmanager API returned. */
  id: string;
  by: AlertActor;
  at: number;
  until: number;
  comment: string;
}

/** One living message of a group, in one conversation a route sent it to. */
export interface AlertMessage {
  /** The route (`alerts.routes[].name`, or `default`) that chose this conversation. */
  route: string;
  conversation: ConversationRef;
  /** Set once the post was accepted by the platform. */
  message?: MessageRef;
}

export type AlertGroupState = "firing" | "acked" | "silenced" | "resolved";

export interface AlertHistoryEntry {
  at: number;
  /** e.g. `firing`, `resolved`, `acked`, `unacked`, `silenced`, `unsilenced`, `escalated`, `alert-added`. */
  kind: string;
  /** One line for `alert <id>` and the thread reply, names only (no ids, no secrets). */
  text: string;
}

export interface AlertGroup {
  /** Short, stable, typed in chat (`ack 7f3a2c`): derived from sourceName + groupKey. */
  id: string;
  source: AlertSourceKind;
  sourceName: string;
  groupKey: string;
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL?: string;
  /** Current alerts by fingerprint (resolved ones kept until the group resolves, for the counts). */
  alerts: Record<string, Alert>;
  truncatedAlerts: number;
  /** firing while any alert fires; resolved when all have resolved. Ack and silence are separate. */
  status: AlertStatus;
  firstFiringAt: number;
  /** Set when the whole group resolved; cleared if it fires again. */
  resolvedAt?: number;
  ack?: AlertAck;
  silence?: AlertSilence;
  /** Re-announcements sent so far (escalation), reset when the group fires again after resolving. */
  escalations: number;
  messages: AlertMessage[];
  history: AlertHistoryEntry[];
  /** Increases with every stored change; message edits carry it so an older render never overwrites a newer one. */
  version: number;
  updatedAt: number;
}

/** The state shown in lists and filters: silenced beats acked beats firing; resolved beats all. */
export function groupState(group: AlertGroup, now: number): AlertGroupState {
  if (group.status === "resolved") return "resolved";
  if (group.silence && group.silence.until > now) return "silenced";
  if (group.ack) return "acked";
  return "firing";
}

/**
 * What a matched route decides beyond where messages go (`alerts.routes[]` in config, parsed in
 * src/bot/config): who is mentioned on escalation, who may act, and when to escalate.
 */
export interface AlertRoutePolicy {
  /** The route's name; `default` for the default route. */
  name: string;
  /** Subjects mentioned when the group is re-announced, in the config's subject form (`slack:group:S…`). */
  oncall: string[];
  /** Roles allowed to ack, silence and unsilence (default `operator`, so approvers and admins too). */
  role: "viewer" | "operator" | "approver" | "admin";
  /** Re-announce an unacknowledged firing group after `afterMs`, at most `times` times; absent: never. */
  escalate?: { afterMs: number; times: number };
}
