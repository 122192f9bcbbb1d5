/**
 * Maps a BullMQ job plus our bookkeeping to the port's JobInfo. The "final" record wins over BullMQ's
 * state: it is written only after the final card went out, so `get` never reports an outcome the chat
 * has not seen yet, and it is the only place a cancelled job (removed from or finished in BullMQ) shows.
 */
import type { Job } from "bullmq";
import type { JobInfo, JobPayload, JobState } from "../../services/jobs/model.js";
import type { JobMeta } from "./job-meta.js";

/** BullMQ states per port state; BullMQ's priority and parent-wait states are "waiting" to a user. */
export const BULL_STATES: Record<Exclude<JobState, "cancelled">, string[]> = {
  waiting: ["waiting", "prioritized", "waiting-children"],
  delayed: ["delayed"],
  active: ["active"],
  completed: ["completed"],
  failed: ["failed"],
};

export function fromBullState(state: string | undefined): JobState | undefined {
  for (const [ours, theirs] of Object.entries(BULL_STATES)) {
    if (state !== undefined && theirs.includes(state)) return ours as JobState;
  }
  return undefined;
}

function readProgress(progress: unknown): JobInfo["progress"] {
  if (typeof progress !== "object" || progress === null) return undefined;
  const { fraction, step } = progress as { fraction?: unknown; step?: unknown };
  return typeof fraction === "number" && typeof step === "string" ? { fraction, step } : undefined;
}

export function toJobInfo(
  id: string,
  meta: JobMeta,
  job: Job<JobPayload> | undefined,
  bullState: string | undefined,
): JobInfo | undefined {
  const payload = job?.data ?? meta.payload;
  if (!payload) return undefined;
  const state = meta.final?.outcome ?? fromBullState(bullState);
  if (!state) return undefined;
  const info: JobInfo = {
    id,
    type: payload.type,
    title: payload.title,
    state,
    requestedBy: payload.requestedBy,
    conversation: payload.conversation,
    message: payload.message,
    createdAt: payload.createdAt,
    attempts: meta.final?.attempts ?? (job ? Math.max(job.attemptsStarted ?? 0, job.attemptsMade) : 0),
  };
  const progress = readProgress(job?.progress);
  if (progress && !meta.final) info.progress = progress;
  const finishedAt = meta.final?.finishedAt ?? job?.finishedOn;
  if (finishedAt !== undefined && (state === "completed" || state === "failed" || state === "cancelled")) {
    info.finishedAt = finishedAt;
  }
  const error = meta.final?.error ?? (state === "failed" ? job?.failedReason : undefined);
  if (error) info.error = error;
  return info;
}
