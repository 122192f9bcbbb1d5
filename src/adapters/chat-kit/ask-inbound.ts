/**
 * How every chat adapter asks the dispatcher for a reply: a thrown UserError becomes its refusal, anything
 * else "internal error, ref <requestId>" and a log line with the error, so an adapter never shows a stack
 * or a library message to a user.
 */
import { UserError } from "../../services/errors.js";
import type { Log } from "../../services/ports.js";
import { errorReply, type Reply } from "../../services/vocabulary/reply.js";
import type { Inbound } from "../chat.js";

export async function askInbound(
  inbound: Inbound | undefined,
  request: { requestId: string; log: Log; what: string; loggable?: (err: unknown) => unknown },
  step: (inbound: Inbound) => Promise<Reply | undefined>,
): Promise<Reply | undefined> {
  if (!inbound) return errorReply("E_UNAVAILABLE", "the bot is starting or stopping; try again in a moment");
  try {
    return await step(inbound);
  } catch (err) {
    if (err instanceof UserError) return errorReply(err.code, err.message);
    const logged = request.loggable ? request.loggable(err) : err;
    request.log.error({ err: logged, requestId: request.requestId }, `${request.what} failed`);
    return errorReply("E_INTERNAL", `internal error, ref ${request.requestId}`);
  }
}
