/**
 * The one place a thrown error becomes a reply. A UserError (a refusal someone chose to throw) keeps its
 * code and safe message; a storage outage says "temporarily unavailable"; anything else is unexpected:
 * logged with its stack and answered with a reference only, never its message, which may hold internals.
 */
import { UserError } from "../../services/errors.js";
import type { Log } from "../../services/ports.js";
import { errorReply, type Reply } from "../../services/vocabulary/reply.js";

export interface FailureContext {
  requestId: string;
  log: Log;
  unavailable(err: unknown): Error | undefined;
}

export function replyForFailure(err: unknown, context: FailureContext): Reply {
  const unavailable = context.unavailable(err);
  if (unavailable) {
    context.log.warn({ err: unavailable.message }, "backing store unavailable");
    return errorReply("E_UNAVAILABLE", unavailable.message);
  }
  if (err instanceof UserError) return errorReply(err.code, err.message);
  context.log.error({ err }, "unexpected error");
  return errorReply("E_INTERNAL", `internal error, ref ${context.requestId}`);
}

/**
 * The audit outcome of a command that ran: `refused` for any reply with a stable code, whether the command
 * returned it or threw it, `error` for the unexpected, `ok` otherwise.
 */
export function runOutcome(reply: Reply): "ok" | "refused" | "error" {
  if (reply.errorCode === undefined) return "ok";
  return reply.errorCode === "E_INTERNAL" ? "error" : "refused";
}
