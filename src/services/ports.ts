/**
 * What the services need from the outside world. Adapters implement these; tests may implement them with
 * real backends (Redis, local HTTP servers). Nothing here knows Slack, Discord, BullMQ or Redis.
 */

import type { Actor, ConversationRef, MessageRef, Platform } from "./vocabulary/identity.js";
import type { Reply } from "./vocabulary/reply.js";

/** Injected time, so expiry and throttling are testable. Milliseconds since the epoch. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** Minimal structured logger (pino-compatible), so services do not depend on a logging library. */
export interface Log {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  child(bindings: Record<string, unknown>): Log;
}

/** Discards everything: for tools, tests and benchmarks whose output must stay clean. */
export const silentLog: Log = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => silentLog,
};

/** Posts and edits messages in a conversation by ref; used by jobs, approvals and alerts. */
export interface Notifier {
  post(conversation: ConversationRef, reply: Reply): Promise<MessageRef>;
  update(message: MessageRef, reply: Reply): Promise<void>;
}

/** Routes to the right platform's notifier by the ref's platform. */
export type NotifierByPlatform = Partial<Record<Platform, Notifier>>;

// ---------------------------------------------------------------------------------------------------------
// Audit

export type AuditKind = "invocation" | "approval" | "job" | "action";

export interface AuditRecord {
  /** Stream entry id, assigned on append. */
  id?: string;
  /** Milliseconds since the epoch. */
  at: number;
  kind: AuditKind;
  requestId: string;
  actor?: { platform: Platform; id: string; name: string };
  channel?: string;
  command?: string;
  /** Arguments with secrets removed. */
  args?: Record<string, unknown>;
  /** ok | usage | forbidden | pending-approval | approved | denied | expired | error | completed | failed | … */
  outcome: string;
  /** The pipeline step that produced the record: parse, authorize, approve, run, report, decide, job. */
  step?: string;
  durationMs?: number;
  approvalId?: string;
  jobId?: string;
  detail?: string;
}

export interface AuditQuery {
  limit?: number;
  /** Actor id or name. */
  user?: string;
  command?: string;
  /** Only records at or after this time (ms). */
  since?: number;
}

export interface AuditLog {
  append(record: AuditRecord): Promise<string>;
  /** Newest first. */
  query(q: AuditQuery): Promise<AuditRecord[]>;
  /** Oldest first, for export; streams in pages so large exports do not load everything at once. */
  scan(since: number): AsyncIterable<AuditRecord>;
}

// ---------------------------------------------------------------------------------------------------------
// Approvals

export interface ApprovalPolicy {
  /** Distinct approvers needed. */
  required: number;
  expiresInMs: number;
  /** Subjects (`slack:group:S123`, `console:user:bob`, …) allowed to approve; empty = any approver. */
  approverSubjects: string[];
}

export type ApprovalStatus = "pending" | "approved" | "denied" | "expired";

export interface ApprovalVote {
  actor: Actor;
  at: number;
}

export interface ApprovalRequest {
  id: string;
  command: string;
  /** Normalized args: what will run, exactly. */
  args: Record<string, unknown>;
  /** sha256 of the canonical JSON of command + args; checked again before running. */
  argsHash: string;
  requester: Actor;
  conversation: ConversationRef;
  /** The approval card, once posted. */
  message?: MessageRef;
  policy: ApprovalPolicy;
  requestId: string;
  createdAt: number;
  expiresAt: number;
  approvals: ApprovalVote[];
  status: ApprovalStatus;
  decidedBy?: Actor;
  decidedAt?: number;
  reason?: string;
}

export type DecideRefusal =
  | "E_APPROVAL_NOT_FOUND"
  | "E_APPROVAL_EXPIRED"
  | "E_APPROVAL_DECIDED"
  | "E_SELF_APPROVAL"
  | "E_APPROVAL_DUPLICATE";

/**
 * Result of one atomic decision. Exactly one caller ever receives `approved` or `denied` for a request;
 * that caller runs (or reports) the command.
 */
export type DecideResult =
  | { kind: "approved"; request: ApprovalRequest }
  | { kind: "recorded"; request: ApprovalRequest; remaining: number }
  | { kind: "denied"; request: ApprovalRequest }
  | { kind: "refused"; code: DecideRefusal; request?: ApprovalRequest };

export interface ApprovalStore {
  create(request: ApprovalRequest): Promise<void>;
  get(id: string): Promise<ApprovalRequest | undefined>;
  attachMessage(id: string, message: MessageRef): Promise<void>;
  /** Atomic: self-approval, duplicates, expiry and already-decided are refused inside the store. */
  decide(
    id: string,
    vote: { actor: Actor; verdict: "approve" | "deny"; reason?: string; at: number },
  ): Promise<DecideResult>;
  /** Pending requests, oldest first. */
  listPending(): Promise<ApprovalRequest[]>;
  /** Atomically marks every pending request whose expiry has passed as expired, and returns them. */
  expireDue(now: number): Promise<ApprovalRequest[]>;
}

// ---------------------------------------------------------------------------------------------------------
// Jobs

export type JobState = "waiting" | "delayed" | "active" | "completed" | "failed" | "cancelled";

export interface JobInfo {
  id: string;
  type: string;
  title: string;
  state: JobState;
  progress?: { fraction: number; step: string };
  requestedBy: Actor;
  conversation: ConversationRef;
  message?: MessageRef;
  createdAt: number;
  finishedAt?: number;
  attempts: number;
  error?: string;
}

export interface StartJobRequest {
  type: string;
  data: Record<string, unknown>;
  requestedBy: Actor;
  conversation: ConversationRef;
  requestId: string;
}

export type CancelResult = "cancelled" | "not-found" | "already-finished";

export interface JobQueue {
  /** Posts the job's card into the conversation, enqueues the job bound to that card, returns its info. */
  start(request: StartJobRequest): Promise<JobInfo>;
  get(id: string): Promise<JobInfo | undefined>;
  list(filter: { state?: JobState; limit?: number }): Promise<JobInfo[]>;
  /** Waiting jobs are removed; an active one stops between steps and runs its cleanup. */
  cancel(id: string, by: Actor): Promise<CancelResult>;
  /** Resolves when the job has finished and its final message was delivered (or failed to be). */
  waitUntilFinished(id: string, timeoutMs?: number): Promise<JobInfo | undefined>;
}

// ---------------------------------------------------------------------------------------------------------
// Approvals asked for by the bot itself

export interface ApprovalAsk {
  /** A destructive command's dotted name, e.g. `template.prune`. */
  command: string;
  args: Record<string, unknown>;
  /** Who the command runs for: a job's requester, or the scheduler (see services/approvals/scheduler.ts). */
  requester: Actor;
  conversation: ConversationRef;
  requestId: string;
}

/**
 * Opens an approval request and posts its card, as if the requester had typed the command. Jobs use it
 * when their outcome calls for a destructive follow-up (a refresh that leaves more superseded templates
 * than the configured number to keep): the follow-up still waits for a second person.
 */
export interface ApprovalRequester {
  request(ask: ApprovalAsk): Promise<{ approvalId: string }>;
}
