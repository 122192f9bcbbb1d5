/** Approval requests as the approval service and its store see them. */
import type { Actor, ConversationRef, MessageRef } from "../vocabulary/identity.js";
import type { ReplyField, ReplyTable } from "../vocabulary/reply.js";

/**
 * What the command was found to act on when approval was asked (a command's `resolve`): shown on the card,
 * and bound by `identity`, so a different object that took the same name or VMID is not acted on.
 */
export interface ApprovalTarget {
  identity: string;
  fields: ReplyField[];
  table?: ReplyTable;
}

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
  /** Set when the command resolves its target; checked against a fresh resolve before it runs. */
  target?: ApprovalTarget;
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

export interface ApprovalAsk {
  /** A destructive command's dotted name, e.g. `template.prune`. */
  command: string;
  args: Record<string, unknown>;
  /** Who the command runs for: a job's requester, or the scheduler (see services/approvals/scheduler.ts). */
  requester: Actor;
  conversation: ConversationRef;
  requestId: string;
}
