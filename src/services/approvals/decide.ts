/**
 * A click on Approve or Deny. Authorization is checked again at click time (roles may have changed since
 * the card was posted), then the store decides atomically. Every refusal comes back as a value with a
 * stable code and a message that is safe to show to the clicker; only the unexpected throws (for example
 * `UnavailableError` when Redis is away).
 */

import { formatUtc } from "../format.js";
import type { ApprovalStore } from "../ports.js";
import { atLeast, matchesAny, type Rbac } from "../rbac.js";
import type { Actor } from "../vocabulary/identity.js";
import type { Verdict } from "./actions.js";
import { commandWords, joinNames } from "./format.js";
import { isApprovalId } from "./ids.js";
import type { ApprovalRequest, DecideRefusal } from "./model.js";
import { personName, samePerson } from "./people.js";

/** Deny reasons end up on the card and in the audit stream; keep them to one readable line. */
export const MAX_REASON_LENGTH = 300;

export type ApprovalRefusalCode = DecideRefusal | "E_FORBIDDEN";

export type ApprovalDecision =
  | { ok: true; kind: "approved" | "denied"; request: ApprovalRequest; message: string }
  | { ok: true; kind: "recorded"; request: ApprovalRequest; remaining: number; message: string }
  | { ok: false; code: ApprovalRefusalCode; message: string; request?: ApprovalRequest };

export interface DecideApprovalInput {
  store: ApprovalStore;
  rbac: Pick<Rbac, "roleOf" | "identify">;
  actor: Actor;
  approvalId: string;
  verdict: Verdict;
  reason?: string;
  now: number;
}

const NOT_FOUND =
  "Unknown approval request: it never existed or was removed after its retention period. Run the command again to ask anew.";

function plural(n: number, word: string): string {
  return `${n} more ${word}${n === 1 ? "" : "s"}`;
}

/** One line, trimmed and capped; returns undefined for an empty reason. */
export function cleanReason(reason: string | undefined): string | undefined {
  const line = (reason ?? "").replace(/\s+/g, " ").trim();
  if (line === "") return undefined;
  return line.length <= MAX_REASON_LENGTH ? line : `${line.slice(0, MAX_REASON_LENGTH - 1)}…`;
}

function expiredMessage(request: ApprovalRequest): string {
  return `This request expired at ${formatUtc(request.expiresAt)}; ${commandWords(request.command)} will not run. Run the command again to ask anew.`;
}

function decidedMessage(request: ApprovalRequest): string {
  const when = formatUtc(request.decidedAt ?? request.expiresAt);
  const by = request.decidedBy ? personName(request.decidedBy) : "an approver";
  if (request.status === "approved") {
    const names = request.approvals.map((v) => personName(v.actor));
    return `This request was already approved by ${names.length > 0 ? joinNames(names) : by} at ${when}.`;
  }
  const reason = request.reason ? ` (${request.reason})` : "";
  return `This request was already denied by ${by} at ${when}${reason}.`;
}

function refusal(code: DecideRefusal, request: ApprovalRequest | undefined, actor: Actor): ApprovalDecision {
  if (!request || code === "E_APPROVAL_NOT_FOUND")
    return { ok: false, code: "E_APPROVAL_NOT_FOUND", message: NOT_FOUND };
  switch (code) {
    case "E_APPROVAL_EXPIRED":
      return { ok: false, code, message: expiredMessage(request), request };
    case "E_APPROVAL_DECIDED":
      // A request closed by the expiry sweep reads as expired, not as "decided by nobody".
      if (request.status === "expired")
        return { ok: false, code: "E_APPROVAL_EXPIRED", message: expiredMessage(request), request };
      return { ok: false, code, message: decidedMessage(request), request };
    case "E_SELF_APPROVAL":
      return {
        ok: false,
        code,
        message: `You requested ${commandWords(request.command)}, so you cannot decide it; another approver has to.`,
        request,
      };
    case "E_APPROVAL_DUPLICATE": {
      const remaining = Math.max(request.policy.required - request.approvals.length, 0);
      return {
        ok: false,
        code,
        message: `${personName(actor)}, you already approved this request${actor.person ? " (from one of your accounts)" : ""}; it needs ${plural(remaining, "approval")} from other approvers.`,
        request,
      };
    }
  }
}

export async function decideApproval(input: DecideApprovalInput): Promise<ApprovalDecision> {
  const { store, rbac, approvalId, verdict, now } = input;
  // Re-resolved from config here, so the person key never depends on what the caller passed.
  const actor = rbac.identify(input.actor);
  if (!isApprovalId(approvalId)) return { ok: false, code: "E_APPROVAL_NOT_FOUND", message: NOT_FOUND };
  const current = await store.get(approvalId);
  if (!current) return { ok: false, code: "E_APPROVAL_NOT_FOUND", message: NOT_FOUND };
  // The requester hears "not you" before anything about roles: that is the rule they ran into.
  if (samePerson(current.requester, actor)) {
    return refusal("E_SELF_APPROVAL", current, actor);
  }
  const role = rbac.roleOf(actor);
  if (!atLeast(role, "approver")) {
    const have = role ? `your role is ${role}` : "you have no role";
    return {
      ok: false,
      code: "E_FORBIDDEN",
      message: `Approving or denying needs the approver role; ${have}. Ask an admin to bind you in the bot's rbac config.`,
    };
  }
  const allowed = current.policy.approverSubjects;
  if (allowed.length > 0 && !matchesAny(actor, allowed)) {
    return {
      ok: false,
      code: "E_FORBIDDEN",
      message: `Only approvers in ${allowed.join(", ")} may decide ${commandWords(current.command)}; you are not in any of them.`,
      request: current,
    };
  }
  const reason = verdict === "deny" ? cleanReason(input.reason) : undefined;
  const result = await store.decide(approvalId, { actor, verdict, at: now, ...(reason ? { reason } : {}) });
  switch (result.kind) {
    case "refused":
      return refusal(result.code, result.request, actor);
    case "approved":
      return {
        ok: true,
        kind: "approved",
        request: result.request,
        message: `Approved; ${commandWords(result.request.command)} runs now.`,
      };
    case "recorded":
      return {
        ok: true,
        kind: "recorded",
        request: result.request,
        remaining: result.remaining,
        message: `Your approval is recorded; ${plural(result.remaining, "approval")} needed before ${commandWords(result.request.command)} runs.`,
      };
    case "denied":
      return {
        ok: true,
        kind: "denied",
        request: result.request,
        message: `Denied; ${commandWords(result.request.command)} will not run.`,
      };
  }
}
