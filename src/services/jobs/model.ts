/** Jobs as chat, commands and the queue see them: what was started, by whom, and where it stands. */
import type { Actor, ConversationRef, MessageRef } from "../vocabulary/identity.js";

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
  /** Checked by the job definition's `parse`; `startJob` types it by the job's kind. */
  data: unknown;
  requestedBy: Actor;
  conversation: ConversationRef;
  requestId: string;
}

export type CancelResult = "cancelled" | "not-found" | "already-finished";

/** A queued job's data: everything a worker in another process needs to run the job and edit its card. */
export interface JobPayload {
  type: string;
  data: unknown;
  title: string;
  requestedBy: Actor;
  conversation: ConversationRef;
  message: MessageRef;
  requestId: string;
  createdAt: number;
}

export type FinalOutcome = Extract<JobState, "completed" | "failed" | "cancelled">;

export interface JobFinal {
  outcome: FinalOutcome;
  finishedAt: number;
  attempts: number;
  /** Whether the final card reached the chat. */
  delivered: boolean;
  error?: string;
  cancelledBy?: Actor;
}

export interface CancelFlag {
  by: Actor;
  at: number;
}
