/**
 * What the chat-side actions do to a stored group (ack, unack, silence, unsilence, escalation): pure
 * functions returning the next group, or why nothing changes. The store runs them inside its atomic
 * compare-and-set, so of two acks at once exactly one finds the group unacknowledged.
 */

import { MAX_HISTORY } from "./group-merge.js";
import type { AlertActor, AlertGroup, AlertHistoryEntry, AlertSilence } from "./model.js";
import type { AckResult } from "./ports.js";

export type ActionOutcome<R> = { next: AlertGroup; result: R } | { next?: undefined; result: R };

function advance(group: AlertGroup, at: number, entry: Omit<AlertHistoryEntry, "at">): AlertGroup {
  return {
    ...group,
    history: [...group.history, { at, ...entry }].slice(-MAX_HISTORY),
    version: group.version + 1,
    updatedAt: Math.max(group.updatedAt, at),
  };
}

export function ackGroup(group: AlertGroup, by: AlertActor, at: number): ActionOutcome<AckResult> {
  if (group.status === "resolved") return { result: { ok: false, reason: "resolved" } };
  if (group.ack) return { result: { ok: false, reason: "already-acked", ack: group.ack, group } };
  const next = {
    ...advance(group, at, { kind: "acked", text: `acknowledged by ${by.name}` }),
    ack: { by, at },
  };
  return { next, result: { ok: true, group: next } };
}

export function unackGroup(group: AlertGroup, by: AlertActor, at: number): ActionOutcome<AckResult> {
  if (!group.ack) return { result: { ok: false, reason: "not-acked" } };
  const next = advance(group, at, { kind: "unacked", text: `acknowledgement removed by ${by.name}` });
  delete next.ack;
  return { next, result: { ok: true, group: next } };
}

export function silenceGroup(group: AlertGroup, silence: AlertSilence): ActionOutcome<AlertGroup> {
  const until = new Date(silence.until).toISOString().replace(/\.\d{3}Z$/, "Z");
  const next = {
    ...advance(group, silence.at, {
      kind: "silenced",
      text: `silenced by ${silence.by.name} until ${until}`,
    }),
    silence,
  };
  return { next, result: next };
}

/** Clearing a group that has no silence changes nothing and returns it as it is. */
export function unsilenceGroup(group: AlertGroup, by: AlertActor, at: number): ActionOutcome<AlertGroup> {
  if (!group.silence) return { result: group };
  const next = advance(group, at, { kind: "unsilenced", text: `silence removed by ${by.name}` });
  delete next.silence;
  return { next, result: next };
}

export function escalateGroup(group: AlertGroup, at: number): ActionOutcome<AlertGroup> {
  const count = group.escalations + 1;
  const next = {
    ...advance(group, at, { kind: "escalated", text: `re-announced (${count})` }),
    escalations: count,
  };
  return { next, result: next };
}
