/**
 * How a validated webhook batch changes its alert group: pure functions, so the Redis store only has to
 * make the read-merge-write atomic (src/adapters/store/alert-store.ts). The same alert (fingerprint,
 * status, startsAt) sent again changes nothing; a firing notice for an alert already resolved with the
 * same startsAt is a late retry and is ignored too (a real re-fire starts at a new time).
 */
import { createHash } from "node:crypto";
import type { Alert, AlertBatch, AlertGroup, AlertHistoryEntry, AlertMessage } from "./model.js";

/** Oldest entries go first beyond this; the thread keeps the full story. */
export const MAX_HISTORY = 100;

/**
 * Group ids to try, shortest first: 8 hex digits of sha256(sourceName, groupKey), longer only when a
 * different group already holds the shorter one. Stable because an id once given is found again first.
 */
export function groupIdCandidates(sourceName: string, groupKey: string): string[] {
  const hex = createHash("sha256").update(`${sourceName}\n${groupKey}`).digest("hex");
  return [hex.slice(0, 8), hex.slice(0, 12), hex.slice(0, 16), hex];
}

export function isSameGroup(group: AlertGroup, batch: AlertBatch): boolean {
  return group.sourceName === batch.sourceName && group.groupKey === batch.groupKey;
}

/** `HighCPU on pve1`: the alert's name and instance, for history lines (labels only, never annotations). */
function alertTitle(alert: Pick<Alert, "labels" | "fingerprint">): string {
  const name = alert.labels.alertname ?? alert.fingerprint;
  return alert.labels.instance ? `${name} on ${alert.labels.instance}` : name;
}

export interface MergeOutcome {
  group: AlertGroup;
  changed: boolean;
  added: AlertHistoryEntry[];
}

function emptyGroup(id: string, batch: AlertBatch): AlertGroup {
  return {
    id,
    source: batch.source,
    sourceName: batch.sourceName,
    groupKey: batch.groupKey,
    receiver: batch.receiver,
    groupLabels: batch.groupLabels,
    commonLabels: batch.commonLabels,
    commonAnnotations: batch.commonAnnotations,
    alerts: {},
    truncatedAlerts: 0,
    status: "resolved",
    firstFiringAt: batch.receivedAt,
    escalations: 0,
    messages: [],
    history: [],
    version: 0,
    updatedAt: batch.receivedAt,
  };
}

/** Whether `incoming` says something the stored alert does not. */
function isNews(stored: Alert | undefined, incoming: Alert): boolean {
  if (!stored) return true;
  if (stored.status === incoming.status && stored.startsAt === incoming.startsAt) return false;
  const lateFiring =
    stored.status === "resolved" &&
    incoming.status === "firing" &&
    incoming.startsAt !== 0 &&
    incoming.startsAt === stored.startsAt;
  return !lateFiring;
}

function sameConversation(a: AlertMessage, b: AlertMessage): boolean {
  return (
    a.conversation.platform === b.conversation.platform &&
    a.conversation.channelId === b.conversation.channelId
  );
}

function firingSince(alerts: Iterable<Alert>, fallback: number): number {
  let earliest = Number.POSITIVE_INFINITY;
  for (const a of alerts)
    if (a.status === "firing" && a.startsAt > 0) earliest = Math.min(earliest, a.startsAt);
  return Number.isFinite(earliest) ? earliest : fallback;
}

/**
 * Merges `batch` into `stored` (undefined: a new group with id `id`). `messages` is what routing says the
 * group should have now; conversations not yet in the group are added, existing ones keep their refs.
 */
export function mergeBatch(
  stored: AlertGroup | undefined,
  id: string,
  batch: AlertBatch,
  messages: readonly AlertMessage[],
): MergeOutcome {
  const before = stored ?? emptyGroup(id, batch);
  const at = batch.receivedAt;
  const news = batch.alerts.filter((a) => isNews(before.alerts[a.fingerprint], a));
  const newMessages = messages.filter((m) => !before.messages.some((have) => sameConversation(have, m)));
  if (news.length === 0 && newMessages.length === 0 && stored)
    return { group: stored, changed: false, added: [] };

  const wasFiring = stored !== undefined && before.status === "firing";
  const alerts: Record<string, Alert> = { ...before.alerts };
  const added: AlertHistoryEntry[] = [];
  for (const alert of news) {
    const previous = alerts[alert.fingerprint];
    alerts[alert.fingerprint] = alert;
    if (!wasFiring) continue;
    if (alert.status === "firing" && previous?.status !== "firing") {
      added.push({ at, kind: "alert-added", text: `${alertTitle(alert)} firing` });
    } else if (alert.status === "resolved" && previous?.status === "firing") {
      added.push({ at, kind: "alert-resolved", text: `${alertTitle(alert)} resolved` });
    }
  }
  const firing = Object.values(alerts).filter((a) => a.status === "firing");
  const group: AlertGroup = {
    ...before,
    receiver: batch.receiver,
    groupLabels: batch.groupLabels,
    commonLabels: batch.commonLabels,
    commonAnnotations: batch.commonAnnotations,
    ...(batch.externalURL ? { externalURL: batch.externalURL } : {}),
    truncatedAlerts: batch.truncatedAlerts,
    alerts,
    status: firing.length > 0 ? "firing" : "resolved",
    messages: [...before.messages, ...newMessages.map((m) => ({ ...m }))],
    version: before.version + 1,
    updatedAt: at,
  };
  const title = alertTitle(firing[0] ?? news[0] ?? batch.alerts[0]!);
  if (group.status === "firing" && !wasFiring) {
    // A new incident: alerts resolved in an earlier one no longer count, and its ack and escalations end.
    // Those the sender still reports stay, so the same call again finds them and changes nothing.
    const reported = new Set(batch.alerts.map((a) => a.fingerprint));
    for (const [fp, a] of Object.entries(alerts)) {
      if (a.status === "resolved" && !reported.has(fp)) delete alerts[fp];
    }
    group.firstFiringAt = firingSince(firing, at);
    group.escalations = 0;
    delete group.ack;
    delete group.resolvedAt;
    const count = firing.length === 1 ? "" : ` (${firing.length} alerts)`;
    added.push({ at, kind: "firing", text: `${title} firing${count}` });
  } else if (group.status === "resolved" && (wasFiring || !stored)) {
    const lastEnd = Math.max(0, ...Object.values(alerts).map((a) => a.endsAt ?? 0));
    group.resolvedAt = lastEnd > 0 ? lastEnd : at;
    // One line for the group, not one per alert that resolved with it.
    added.splice(0, added.length);
    if (!stored) group.firstFiringAt = Math.min(...Object.values(alerts).map((a) => a.startsAt || at));
    added.push({ at, kind: "resolved", text: `${title} resolved` });
  }
  group.history = [...before.history, ...added].slice(-MAX_HISTORY);
  return { group, changed: true, added };
}
