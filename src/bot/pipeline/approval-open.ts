/**
 * Opening an approval request: store it bound to the normalized args, post the card, attach the card to
 * the request, audit it. Shared by typed commands (the dispatcher's approve step) and by jobs that ask for a
 * destructive follow-up through the ApprovalRequester port.
 */
import type { CommandDefinition, CommandServices, ResolvedTarget } from "../../commands/definition.js";
import type { CommandRegistry } from "../../commands/registry.js";
import { approvalCard, openApproval } from "../../services/approvals/index.js";
import type {
  ApprovalAsk,
  ApprovalPolicy,
  ApprovalRequest,
  ApprovalTarget,
} from "../../services/approvals/model.js";
import { auditBase } from "../../services/audit/base.js";
import type { AuditRecord } from "../../services/audit/record.js";
import type { AuditRetryBuffer } from "../../services/audit/retry-buffer.js";
import { UserError } from "../../services/errors.js";
import type {
  ApprovalRequester,
  ApprovalStore,
  AuditLog,
  Clock,
  Log,
  NotifierByPlatform,
} from "../../services/ports.js";
import type { Actor, ConversationRef } from "../../services/vocabulary/identity.js";

export interface ApprovalOpenDeps {
  approvals: ApprovalStore;
  audit: AuditLog;
  /**
   * The request exists once stored and its card is posted, so its audit record goes through the retry
   * buffer when one is given rather than failing the request (a retry would open a second one).
   */
  auditRetry?: Pick<AuditRetryBuffer, "write">;
  notifiers: NotifierByPlatform;
  policyFor(command: string): ApprovalPolicy;
  clock: Clock;
  log: Log;
}

/** The part of a resolved target an approval keeps: JSON only, never the command's `value`. */
export function approvalTarget(found: ResolvedTarget): ApprovalTarget {
  return { identity: found.identity, fields: found.fields, ...(found.table ? { table: found.table } : {}) };
}

export async function openAndPostApproval(
  deps: ApprovalOpenDeps,
  def: CommandDefinition,
  args: Record<string, unknown>,
  requester: Actor,
  conversation: ConversationRef,
  requestId: string,
  target?: ApprovalTarget,
): Promise<ApprovalRequest> {
  const request = openApproval({
    command: def.name,
    args,
    requester,
    conversation,
    requestId,
    policy: deps.policyFor(def.name),
    now: deps.clock.now(),
    ...(target ? { target } : {}),
  });
  await deps.approvals.create(request);
  const notifier = deps.notifiers[conversation.platform];
  if (notifier) {
    const message = await notifier.post(conversation, approvalCard(request));
    await deps.approvals.attachMessage(request.id, message);
  }
  const record: AuditRecord = {
    ...auditBase({ actor: requester, conversation, requestId }),
    at: deps.clock.now(),
    kind: "approval",
    step: "approve",
    command: def.name,
    args,
    approvalId: request.id,
    outcome: "pending-approval",
  };
  if (deps.auditRetry) await deps.auditRetry.write(record);
  else await deps.audit.append(record);
  deps.log.info({ command: def.name, approvalId: request.id, requestId }, "approval requested");
  return request;
}

/**
 * The ApprovalRequester port for jobs: validates the ask against the command's own schema first, and
 * resolves the command's target as a typed command would, so the card shows it and the approval binds it.
 */
export function createApprovalRequester(
  deps: ApprovalOpenDeps & { registry: CommandRegistry; services: () => CommandServices | undefined },
): ApprovalRequester {
  const resolveFor = async (
    def: CommandDefinition,
    args: Record<string, unknown>,
    ask: ApprovalAsk,
  ): Promise<ApprovalTarget> => {
    const services = deps.services();
    if (!services || !def.resolve) throw new Error(`cannot resolve ${def.name}: command services not wired`);
    const found = await def.resolve(
      {
        actor: ask.requester,
        role: services.rbac.roleOf(ask.requester),
        conversation: ask.conversation,
        requestId: ask.requestId,
        clock: deps.clock,
        log: deps.log,
        services,
      },
      args,
    );
    return approvalTarget(found);
  };
  return {
    async request(ask: ApprovalAsk) {
      const def = deps.registry.get(ask.command);
      if (!def?.destructive)
        throw new Error(`${ask.command} is not a destructive command; it needs no approval`);
      const parsed = def.args.safeParse(ask.args);
      if (!parsed.success) {
        throw new UserError(
          "E_ARGS",
          `cannot ask approval for ${ask.command}: ${parsed.error.issues[0]?.message}`,
        );
      }
      const args = parsed.data as Record<string, unknown>;
      const target = def.resolve ? await resolveFor(def, args, ask) : undefined;
      const request = await openAndPostApproval(
        deps,
        def,
        args,
        ask.requester,
        ask.conversation,
        ask.requestId,
        target,
      );
      return { approvalId: request.id };
    },
  };
}
