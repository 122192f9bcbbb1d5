/**
 * What the services need from the outside world. Adapters implement these; tests may implement them with
 * real backends (Redis, local HTTP servers). Nothing here knows Slack, Discord, BullMQ or Redis. Interfaces
 * only: the data they carry lives with its service (audit/record.ts, approvals/model.ts, jobs/model.ts).
 */

import type { ApprovalAsk, ApprovalRequest, DecideResult } from "./approvals/model.js";
import type { AuditQuery, AuditRecord } from "./audit/record.js";
import type { CancelResult, JobFinal, JobInfo, JobState, StartJobRequest } from "./jobs/model.js";
import type { Actor, ConversationRef, MessageRef, Platform } from "./vocabulary/identity.js";
import type { Reply } from "./vocabulary/reply.js";

/** Injected time, so expiry and throttling are testable. Milliseconds since the epoch. */
export interface Clock {
  now(): number;
}

/** Minimal structured logger (pino-compatible), so services do not depend on a logging library. */
export interface Log {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  child(bindings: Record<string, unknown>): Log;
}

/** Posts and edits messages in a conversation by ref; used by jobs, approvals and alerts. */
export interface Notifier {
  /**
   * With `options.key`, the post happens at most once per key across restarts and processes: a later post
   * with the same key returns the first message's ref and edits it to the new reply (an alert group's
   * message, a job card). Notifiers without durable delivery may ignore the key.
   */
  post(conversation: ConversationRef, reply: Reply, options?: PostOptions): Promise<MessageRef>;
  update(message: MessageRef, reply: Reply): Promise<void>;
  /**
   * Posts in the thread of a given message (Slack thread, Discord reply); every chat adapter has it. It is
   * optional here only so that wrappers and test notifiers without threads stay valid: without it, post
   * into the message's conversation instead.
   */
  reply?(message: MessageRef, reply: Reply): Promise<MessageRef>;
}

export interface PostOptions {
  key?: string;
}

/** Routes to the right platform's notifier by the ref's platform. */
export type NotifierByPlatform = Partial<Record<Platform, Notifier>>;

// ---------------------------------------------------------------------------------------------------------
// Audit

export interface AuditLog {
  append(record: AuditRecord): Promise<string>;
  /** Newest first. */
  query(q: AuditQuery): Promise<AuditRecord[]>;
  /** Oldest first, for export; streams in pages so large exports do not load everything at once. */
  scan(since: number): AsyncIterable<AuditRecord>;
}

// ---------------------------------------------------------------------------------------------------------
// Approvals

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

/** Where a job's final outcome is kept once its final card went out; waiting for a job ends on it. */
export interface JobFinalRecords {
  finish(id: string, final: JobFinal): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------------
// Approvals asked for by the bot itself

/**
 * Opens an approval request and posts its card, as if the requester had typed the command. Jobs use it
 * when their outcome calls for a destructive follow-up (a refresh that leaves more superseded templates
 * than the configured number to keep): the follow-up still waits for a second person.
 */
export interface ApprovalRequester {
  request(ask: ApprovalAsk): Promise<{ approvalId: string }>;
}
