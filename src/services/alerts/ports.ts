/**
 * What alerting needs from the outside world: the alert store (Redis) and the silence API (Alertmanager v2,
 * plain or Grafana's built-in). Implemented in src/adapters; tests run them against real Redis and a real
 * Alertmanager.
 */

import type {
  AlertAck,
  AlertActor,
  AlertBatch,
  AlertGroup,
  AlertGroupState,
  AlertMessage,
  AlertSilence,
} from "./model.js";

/** What one ingest changed; `changed: false` when the same alerts (fingerprint, status, startsAt) came again. */
export interface IngestResult {
  group: AlertGroup;
  changed: boolean;
  /** History entries this ingest added (the thread replies to post). */
  added: AlertGroup["history"];
}

export type AckResult =
  | { ok: true; group: AlertGroup }
  /** Someone acked first (two clicks at once: one wins); the loser is told who. */
  | { ok: false; reason: "already-acked"; ack: AlertAck; group: AlertGroup }
  | { ok: false; reason: "not-found" | "resolved" | "not-acked" };

export interface AlertGroupFilter {
  state?: AlertGroupState;
  /** Every pair must match the group's common labels exactly. */
  labels?: Record<string, string>;
  limit?: number;
}

export interface AlertStore {
  /**
   * Atomically merges a validated batch into its group (creating it) and returns what changed. Must
   * complete before the webhook answers 2xx; throws when Redis is unavailable (the webhook answers 503).
   */
  ingest(batch: AlertBatch, routes: (batch: AlertBatch) => AlertMessage[]): Promise<IngestResult>;
  get(id: string): Promise<AlertGroup | undefined>;
  /** Newest first. */
  list(filter: AlertGroupFilter, now: number): Promise<AlertGroup[]>;
  /** Atomic: the first ack wins. */
  ack(id: string, by: AlertActor, at: number): Promise<AckResult>;
  unack(id: string, by: AlertActor, at: number): Promise<AckResult>;
  setSilence(id: string, silence: AlertSilence): Promise<AlertGroup | undefined>;
  clearSilence(id: string, by: AlertActor, at: number): Promise<AlertGroup | undefined>;
  /** Records the platform's ref once a group's message was posted in a conversation. */
  attachMessage(id: string, message: AlertMessage): Promise<void>;
  /** Counts one re-announcement; returns the group as stored after it. */
  recordEscalation(id: string, at: number): Promise<AlertGroup | undefined>;
  /**
   * Groups changed since their messages were last brought up to date, oldest change first. Every mutating
   * call above marks its group in the same atomic step, so a crash between storing and posting loses
   * nothing: whoever renders next (this process after a restart, or another) finds the mark.
   */
  dirty(limit: number): Promise<string[]>;
  /** Clears the mark if the group is still at `version`; a newer change keeps it marked. */
  markRendered(id: string, version: number): Promise<void>;
}

export interface SilenceMatcher {
  name: string;
  value: string;
  isRegex: false;
  isEqual: true;
}

export interface SilenceRequest {
  matchers: SilenceMatcher[];
  startsAt: number;
  endsAt: number;
  /** `<chat name> (<platform>:<id>)`. */
  createdBy: string;
  comment: string;
}

export interface SilenceInfo {
  id: string;
  state: "active" | "pending" | "expired";
  matchers: SilenceMatcher[];
  startsAt: number;
  endsAt: number;
  createdBy: string;
  comment: string;
}

/** Alertmanager's v2 silence API; each configured source that can silence has one. */
export interface SilenceApi {
  create(request: SilenceRequest): Promise<{ id: string }>;
  /** Expires the silence (DELETE /silence/{id}). */
  expire(id: string): Promise<void>;
  list(): Promise<SilenceInfo[]>;
}
