/**
 * A click on an approval card. The button carries only `approval:<id>:approve|deny`; the command and its
 * args come from the store. The clicker's role is checked again now, and the store decides atomically, so
 * two clicks or two bot instances never run a command twice. An approved command then goes through the
 * same stages as a typed one (execute.ts), the approved request being what lets it through the gate.
 */

import { spokenName } from "../../commands/args/usage.js";
import {
  approvalCard,
  argsHash,
  DENY_REASON_FIELD,
  decideApproval,
  isSchedulerActor,
  outcomeReply,
  parseApprovalAction,
  type Verdict,
} from "../../services/approvals/index.js";
import type { ApprovalRequest } from "../../services/approvals/model.js";
import { auditBase } from "../../services/audit/base.js";
import { errorReply, infoReply, type Reply } from "../../services/vocabulary/reply.js";
import { type AuthorizeRecorder, execute } from "./execute.js";
import type { ActionRoute, Caller, Click } from "./types.js";

export const approvalRoute: ActionRoute<{ id: string; verdict: Verdict }> = {
  name: "approval",
  parse: parseApprovalAction,
  handle: decideByClick,
};

async function decideByClick(
  { event, log, deps }: Click,
  action: { id: string; verdict: Verdict },
): Promise<Reply | undefined> {
  const { services, clock } = deps;
  const result = await decideApproval({
    store: services.approvals,
    rbac: services.rbac,
    actor: event.actor,
    approvalId: action.id,
    verdict: action.verdict,
    // The Deny form's reason; a platform that collects free text with the click sends it as the value.
    reason: event.values?.[DENY_REASON_FIELD] ?? event.value,
    now: clock.now(),
  });
  // A refusal changed nothing, so its audit write may fail the click; once the store has decided, the
  // decision stands and its records go through the retry buffer instead.
  const audit = async (outcome: string, request: ApprovalRequest | undefined, detail?: string) => {
    const record = {
      ...auditBase(event),
      at: clock.now(),
      kind: "approval",
      step: "decide",
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
  const def = deps.registry.get(request.command);
  if (!def || argsHash(request.command, request.args) !== request.argsHash) {
    await audit("refused", request, "E_APPROVAL_CHANGED");
    await editCard(outcomeReply(request));
    return errorReply(
      "E_APPROVAL_CHANGED",
      "the approved request no longer matches a known command; nothing was run",
    );
  }
  // Work the bot started itself runs on the approver's authority; anything else on the requester's, as typed.
  const caller: Caller = {
    actor: isSchedulerActor(request.requester) ? event.actor : request.requester,
    conversation: request.conversation,
    requestId: event.requestId,
    kind: "invocation",
    log,
  };
  // The decide record stands for the authorize step here: the approval is the verdict worth keeping.
  const recorder: AuthorizeRecorder = {
    async passed() {
      await audit("approved", request);
      await editCard(outcomeReply(request));
      log.info({ command: def.name, approvalId: request.id }, "approved; running");
    },
    async refused(refusal) {
      await audit("refused", request, refusal.code);
      await editCard(outcomeReply(request));
      return errorReply(refusal.code, `approved, but it may not run now: ${refusal.message}`);
    },
  };
  const reply = await execute(deps, caller, { def, args: request.args }, recorder, request);
  return { ...reply, visibility: "channel", title: reply.title ?? `${spokenName(def)} (approved)` };
}
