/**
 * The job card in each of its states, as platform-neutral Replies. One message is edited through these
 * states, so every card carries the same identity fields (job id, requester) and `jobId`, and only the
 * live states carry the Cancel button (`job:<id>:cancel`). Each fact appears once per card, so a reader
 * takes it in at a glance: a live card names its step only in its progress line, a final card states its
 * result (with the duration, the failed step or who cancelled) only in its text. Titles carry no emoji:
 * the renderer shows the tone's icon.
 */

import { formatDuration } from "../format.js";
import { personMention } from "../person-mention.js";
import type { Actor } from "../vocabulary/identity.js";
import type { Reply, ReplyButton, ReplyField } from "../vocabulary/reply.js";
import type { FailureView } from "./failure.js";

export interface JobCard {
  jobId: string;
  title: string;
  requestedBy: Actor;
}

/** Where a job is (or was): zero-based index, number of steps, label. */
export interface StepRef {
  index: number;
  count: number;
  label: string;
}

export interface CleanupReport {
  /** False when the definition has no cleanup. */
  ran: boolean;
  /** What the cleanup said it removed. */
  undone: string[];
  /** Set when the cleanup itself failed; something may be left behind. */
  error?: string;
}

/** The action id of a job's Cancel button; adapters route it to `JobQueue.cancel`. */
export function cancelActionId(jobId: string): string {
  return `job:${jobId}:cancel`;
}

function cancelButton(jobId: string): ReplyButton {
  return {
    id: cancelActionId(jobId),
    label: "Cancel",
    style: "danger",
    confirm: {
      title: "Cancel this job?",
      text: "The job stops after its current step and undoes what it created.",
      confirm: "Cancel job",
      deny: "Keep running",
    },
  };
}

function identity(card: JobCard): ReplyField[] {
  return [
    { label: "Job", value: card.jobId },
    { label: "Requested by", value: personMention(card.requestedBy) },
  ];
}

function base(card: JobCard): Pick<Reply, "title" | "visibility" | "jobId"> {
  return { title: card.title, visibility: "channel", jobId: card.jobId };
}

/** "step 2/5: download image", optionally with the step's own detail. */
export function stepLine(step: StepRef, detail?: string): string {
  const line = `step ${step.index + 1}/${step.count}: ${step.label}`;
  return detail ? `${line} (${detail})` : line;
}

/** Whole-job fraction: finished steps plus the share of the current one. */
export function overallFraction(step: StepRef, withinStep: number): number {
  const within = Number.isFinite(withinStep) ? Math.min(1, Math.max(0, withinStep)) : 0;
  return Math.min(1, (step.index + within) / step.count);
}

export function renderQueued(card: JobCard): Reply {
  return {
    ...base(card),
    tone: "info",
    fields: identity(card),
    progress: { fraction: 0, step: "queued, waiting for a worker" },
    buttons: [cancelButton(card.jobId)],
  };
}

export interface RunningView {
  step: StepRef;
  withinStep: number;
  detail?: string;
  attempt: number;
  maxAttempts: number;
}

export function renderRunning(card: JobCard, view: RunningView): Reply {
  const fields = identity(card);
  if (view.attempt > 1) fields.push({ label: "Attempt", value: `${view.attempt} of ${view.maxAttempts}` });
  return {
    ...base(card),
    tone: "info",
    fields,
    progress: {
      fraction: overallFraction(view.step, view.withinStep),
      step: stepLine(view.step, view.detail),
    },
    buttons: [cancelButton(card.jobId)],
  };
}

export interface RetryingView {
  step: StepRef;
  failure: FailureView;
  attempt: number;
  maxAttempts: number;
  delayMs: number;
}

/** A transient failure with attempts left: the job is waiting for its next try. */
export function renderRetrying(card: JobCard, view: RetryingView): Reply {
  const seconds = Math.max(1, Math.round(view.delayMs / 1000));
  return {
    ...base(card),
    tone: "warning",
    text: `${view.failure.message}; retrying in ${seconds}s (attempt ${view.attempt + 1} of ${view.maxAttempts}).`,
    fields: identity(card),
    progress: { fraction: overallFraction(view.step, 0), step: `${stepLine(view.step)} failed` },
    buttons: [cancelButton(card.jobId)],
  };
}

export interface CompletedView {
  durationMs: number;
  summary: ReplyField[];
}

export function renderCompleted(card: JobCard, view: CompletedView): Reply {
  return {
    ...base(card),
    tone: "success",
    text: `Completed in ${formatDuration(view.durationMs)}.`,
    fields: [...identity(card), ...view.summary],
  };
}

function cleanupLine(cleanup: CleanupReport): string {
  if (!cleanup.ran) return "nothing to clean up";
  if (cleanup.error) return `cleanup failed: ${cleanup.error}; check for leftovers`;
  return cleanup.undone.length > 0 ? `removed ${cleanup.undone.join(", ")}` : "done, nothing was left";
}

export interface FailedView {
  /** Undefined when the job failed outside a step (a stalled worker, an unknown type). */
  step?: StepRef;
  failure: FailureView;
  cleanup: CleanupReport;
  attempts: number;
}

export function renderFailed(card: JobCard, view: FailedView): Reply {
  const where = view.step ? `Failed at ${stepLine(view.step)}` : "Failed";
  const fields = [
    ...identity(card),
    { label: "Attempts", value: String(view.attempts) },
    { label: "Cleanup", value: cleanupLine(view.cleanup) },
  ];
  return {
    ...base(card),
    tone: "danger",
    text: `${where}: ${view.failure.message}`,
    fields,
    ...(view.failure.taskLog.length > 0 ? { code: view.failure.taskLog.join("\n") } : {}),
    errorCode: view.failure.code,
  };
}

export interface CancelledView {
  /** Undefined when the job was stopped from inside the worker rather than by a user. */
  by?: Actor;
  /** The step that was running or next when the cancel took effect; undefined before the first step. */
  step?: StepRef;
  cleanup: CleanupReport;
}

export function renderCancelled(card: JobCard, view: CancelledView): Reply {
  const who = view.by ? `by ${personMention(view.by)}` : "by the worker";
  const where = view.step ? ` at ${stepLine(view.step)}` : "";
  return {
    ...base(card),
    tone: "warning",
    text: `Cancelled ${who}${where}.`,
    fields: [...identity(card), { label: "Cleanup", value: cleanupLine(view.cleanup) }],
  };
}
