/** What the alert commands share: the group id argument, the caller as alerting sees it, and result replies. */
import { z } from "zod";
import type { AlertActionResult, AlertCaller } from "../services/alerts/actions.js";
import { errorReply, infoReply, type Reply } from "../services/vocabulary/reply.js";
import type { CommandContext } from "./definition.js";
import { actionReply } from "./visibility.js";

export const alertIdArg = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, "an alert group id is letters, digits, - and _, as `alerts` shows it")
  .describe("Alert group id, as shown by `alerts` and on the alert's message");

export function alertCaller(ctx: CommandContext): AlertCaller {
  return { actor: ctx.actor, role: ctx.role, conversation: ctx.conversation };
}

/** A change is news for the channel; "already acknowledged by X" only for the asker; refusals private. */
export function alertResultReply(result: AlertActionResult): Reply {
  if (result.kind === "refused") return errorReply(result.code, result.message);
  if (result.kind === "unchanged") return infoReply(result.text);
  return actionReply({ tone: "success", text: result.text });
}
