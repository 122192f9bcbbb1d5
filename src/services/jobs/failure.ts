/**
 * Turns a thrown value into what a failed-job card may show. Only errors that were made to be shown
 * (UserError and other coded errors, PVE API errors with a status, transient errors, errors carrying a
 * task log) keep their message; anything else becomes "internal error, ref <requestId>" so stack details
 * and secrets in unexpected messages never reach a chat.
 */
import { isTransient, UserError } from "../errors.js";

export interface FailureView {
  code: string;
  message: string;
  /** The last lines of the Proxmox task log, when the error carried one. */
  taskLog: string[];
  /** False when the message was replaced by the internal-error line; the caller logs the original. */
  shown: boolean;
}

/** How many task-log lines a card shows; the tail is where PVE writes the reason. */
export const TASK_LOG_LINES = 12;
const MAX_MESSAGE = 600;
const MAX_LOG_LINE = 200;

interface ErrorShape {
  message?: unknown;
  code?: unknown;
  status?: unknown;
  taskLog?: unknown;
  /** What the Proxmox port's task errors call it (ProxmoxTaskError.logTail). */
  logTail?: unknown;
  errors?: unknown;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** PVE parameter errors arrive as `{param: reason}`; they name what was wrong, so they are worth showing. */
function paramErrors(errors: unknown): string {
  if (typeof errors !== "object" || errors === null || Array.isArray(errors)) return "";
  const parts = Object.entries(errors as Record<string, unknown>)
    .filter(([, reason]) => typeof reason === "string")
    .map(([param, reason]) => `${param}: ${String(reason).trim()}`);
  return parts.length > 0 ? ` (${parts.join("; ")})` : "";
}

export function describeFailure(err: unknown, requestId: string): FailureView {
  const shape: ErrorShape = typeof err === "object" && err !== null ? (err as ErrorShape) : {};
  const lines = Array.isArray(shape.taskLog)
    ? shape.taskLog
    : Array.isArray(shape.logTail)
      ? shape.logTail
      : undefined;
  const taskLog = lines
    ? lines
        .filter((line): line is string => typeof line === "string")
        .slice(-TASK_LOG_LINES)
        .map((line) => clip(line, MAX_LOG_LINE))
    : [];
  const coded = typeof shape.code === "string" && /^E_[A-Z_]+$/.test(shape.code);
  const showable =
    err instanceof UserError ||
    coded ||
    typeof shape.status === "number" ||
    isTransient(err) ||
    lines !== undefined;
  if (!showable || typeof shape.message !== "string" || shape.message.trim() === "") {
    return { code: "E_INTERNAL", message: `internal error, ref ${requestId}`, taskLog, shown: false };
  }
  const code = coded ? (shape.code as string) : "E_JOB";
  return {
    code,
    message: clip(`${shape.message.trim()}${paramErrors(shape.errors)}`, MAX_MESSAGE),
    taskLog,
    shown: true,
  };
}
