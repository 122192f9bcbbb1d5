/** How a job's outcome reads in the audit trail: one record per outcome, with what the cleanup left. */
import type { AuditRecord } from "../audit/record.js";
import type { JobPayload } from "./model.js";
import { type CleanupReport, stepLine } from "./render.js";
import type { JobOutcome } from "./runner.js";

/** One audit record per job outcome; the actor is the requester, `detail` says what happened. */
export function jobAuditRecord(
  id: string,
  payload: JobPayload,
  outcome: "completed" | "failed" | "cancelled",
  at: number,
  detail: string,
  durationMs?: number,
): AuditRecord {
  const { platform, id: actorId, name } = payload.requestedBy;
  return {
    at,
    kind: "job",
    requestId: payload.requestId,
    actor: { platform, id: actorId, name },
    channel: payload.conversation.channelId,
    command: payload.type,
    outcome,
    step: "job",
    jobId: id,
    detail,
    ...(durationMs !== undefined ? { durationMs } : {}),
  };
}

export function outcomeDetail(outcome: JobOutcome): string {
  switch (outcome.kind) {
    case "completed":
      return "completed";
    case "failed":
      return `${outcome.step ? `${stepLine(outcome.step)}: ` : ""}${outcome.failure.message}${cleanupDetail(outcome.cleanup)}`;
    case "cancelled":
      return `cancelled by ${outcome.by?.name ?? "the worker"}${outcome.step ? ` at ${stepLine(outcome.step)}` : ""}${cleanupDetail(outcome.cleanup)}`;
  }
}

/** What the cleanup left behind belongs in the audit trail too, not only on the card. */
function cleanupDetail(cleanup: CleanupReport): string {
  if (cleanup.error) return `; cleanup failed: ${cleanup.error}`;
  return cleanup.undone.length > 0 ? `; removed ${cleanup.undone.join(", ")}` : "";
}
