/**
 * Clicks the bot refuses before any route acts on them: a button value that does not verify (forged, or
 * from a message this bot never rendered), one past the buttons' lifetime (stale), or an action id no
 * route recognizes (unknown). Each is audited like every other refusal: who, what, why.
 */
import { auditBase } from "../../services/audit/base.js";
import { shortText } from "../../services/audit/refusal.js";
import type { Log } from "../../services/ports.js";
import type { Actor, ConversationRef } from "../../services/vocabulary/identity.js";
import { errorReply, type Reply } from "../../services/vocabulary/reply.js";
import { UNKNOWN_ACTION } from "./stages.js";
import type { DispatcherDeps } from "./types.js";

export type ClickRefusal = "forged" | "stale" | "unknown";

/** Action ids are the clicker's input: only this much of one is kept. */
const ACTION_ID_KEPT = 80;

export async function refuseClick(
  deps: DispatcherDeps,
  click: { actor: Actor; conversation: ConversationRef; requestId: string; actionId: string },
  reason: ClickRefusal,
  log: Log,
): Promise<Reply> {
  const actionId = shortText(click.actionId, ACTION_ID_KEPT);
  log.info({ actionId, reason }, "click refused");
  // Nothing ran, so the record is written straight to the store: with Redis away the click fails closed.
  await deps.services.audit.append({
    ...auditBase(click),
    at: deps.clock.now(),
    kind: "action",
    step: "parse",
    outcome: "refused",
    detail: `${reason} click: ${actionId}`,
  });
  return errorReply(UNKNOWN_ACTION.code, UNKNOWN_ACTION.message);
}
