/**
 * A click on an approval card. The button carries only `approval:<id>:approve|deny`; the command and its
 * args come from the store. The clicker's role is checked again now, and the store decides atomically, so
 * two clicks or two bot instances never run a command twice.
 */

import type { ActionEvent } from "../../adapters/chat.js";
import { spokenName } from "../../commands/args/usage.js";
import type { CommandDefinition } from "../../commands/definition.js";
import {
  approvalCard,
  argsHash,
  decideApproval,
  isSchedulerActor,
  outcomeReply,
  parseApprovalAction,
} from "../../services/approvals/index.js";
import type { ApprovalRequest, Log } from "../../services/ports.js";
import type { Actor, ConversationRef } from "../../services/vocabulary/identity.js";
import { errorReply, infoReply, type Reply } from "../../services/vocabulary/reply.js";
import type { DispatcherDeps } from "./types.js";

export type RunApproved = (
  def: CommandDefinition,
  args: Record<string, unknown>,
  requester: Actor,
  conversation: ConversationRef,
) => Promise<Reply>;

export async function handleApprovalAction(
  deps: DispatcherDeps,
  event: ActionEvent,
  log: Log,
  run: RunApproved,
): Promise<Reply | undefined> {
  // The caller routes only approval actions here.
  const { services, clock } = deps;
  const action = parseApprovalAction(event.actionId);
  if (!action) return errorReply("E_UNKNOWN_ACTION", "this action is no longer valid");
  const result = await decideApproval({
    store: services.approvals,
    rbac: services.rbac,
    actor: event.actor,
    approvalId: action.id,
    verdict: action.verdict,
    reason: event.value,
    now: clock.now(),
  });
  // A refusal changed nothing, so its audit write may fail the click; once the store has decided, the
  // decision stands and its records go through the retry buffer instead.
  const audit = async (outcome: string, request: ApprovalRequest | undefined, detail?: string) => {
    const record = {
      at: clock.now(),
      kind: "approval",
      step: "decide",
      requestId: event.requestId,
      actor: { platform: event.actor.platform, id: event.actor.id, name: event.actor.name },
      channel: event.conversation.channelId,
      command: request?.command,
      approvalId: action.id,
      outcome,
      detail,
    } as const;
    if (outcome === "refused" && !result.ok) await services.audit.append(record);
    else await deps.auditRetry.write(record);
  };

  if (!result.ok) {
    deps.metrics.approvalDecided("refused");
    await audit("refused", result.request, result.code);
    return errorReply(result.code, result.message);
  }
  const request = result.request;
  const card = request.message;
  // The card edit is news about a decision already made: a chat outage must not stop the command.
  const editCard = async (reply: Reply) => {
    const notifier = card ? deps.notifiers[card.platform] : undefined;
    if (!card || !notifier) return;
    try {
      await notifier.update(card, reply);
    } catch (err) {
      log.warn({ err, approvalId: request.id }, "approval card could not be edited");
    }
  };

  if (result.kind === "recorded") {
    deps.metrics.approvalDecided("recorded");
    await audit("recorded", request);
    await editCard(approvalCard(request));
    return infoReply(`Your approval is recorded; ${result.remaining} more needed.`);
  }
  if (result.kind === "denied") {
    deps.metrics.approvalDecided("denied");
    await audit("denied", request, request.reason);
    await editCard(outcomeReply(request));
    return undefined;
  }

  // approved: this caller alone runs the command, exactly as it was requested
  deps.metrics.approvalDecided("approved");
  const def = services.commands.get(request.command);
  if (!def || argsHash(request.command, request.args) !== request.argsHash) {
    await audit("refused", request, "E_APPROVAL_CHANGED");
    await editCard(outcomeReply(request));
    return errorReply(
      "E_APPROVAL_CHANGED",
      "the approved request no longer matches a known command; nothing was run",
    );
  }
  // Work the bot started itself runs on the approver's authority; anything else on the requester's, as typed.
  const runAs = isSchedulerActor(request.requester) ? event.actor : request.requester;
  const stillAllowed = services.rbac.check(runAs, def.name, def.permission, request.conversation);
  if (!stillAllowed.ok) {
    await audit("refused", request, stillAllowed.code);
    await editCard(outcomeReply(request));
    return errorReply(stillAllowed.code, `approved, but it may not run now: ${stillAllowed.message}`);
  }
  await audit("approved", request);
  await editCard(outcomeReply(request));
  log.info({ command: def.name, approvalId: request.id }, "approved; running");
  const reply = await run(def, request.args, runAs, request.conversation);
  return { ...reply, visibility: "channel", title: reply.title ?? `${spokenName(def)} (approved)` };
}
