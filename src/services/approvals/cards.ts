/**
 * The approval card and the outcome line it is edited into. Both are plain `Reply` data; adapters render
 * them. A card never carries the command's arguments in its buttons (see actions.ts).
 */

import { formatUtc } from "../format.js";
import { type Actor, PLATFORMS } from "../vocabulary/identity.js";
import { mention } from "../vocabulary/mention.js";
import type { Reply, ReplyField } from "../vocabulary/reply.js";
import { approvalActionId } from "./actions.js";
import { commandLine, commandWords, joinNames } from "./format.js";
import type { ApprovalRequest } from "./model.js";
import { personName } from "./people.js";

/** Slack's limit for confirm dialog text; Discord shows no dialog. */
const CONFIRM_TEXT_MAX = 300;

/** A person on a card: mentioned where the platform can, by the configured person's name otherwise. */
function who(actor: Actor): string {
  return mention({ platform: actor.platform, id: actor.id, name: personName(actor) });
}

function progressLabel(request: ApprovalRequest): string {
  const names = request.approvals.map((v) => who(v.actor));
  const count = `${names.length} of ${request.policy.required}`;
  return names.length > 0 ? `${count} (${joinNames(names)})` : count;
}

/** The resolved target first (what will be acted on), then who asked. */
function baseFields(request: ApprovalRequest): ReplyField[] {
  return [...(request.target?.fields ?? []), { label: "Requested by", value: who(request.requester) }];
}

function title(request: ApprovalRequest): string {
  return `Approval needed: ${request.command.replaceAll(".", " ")}`;
}

/** Dialog text is plain text on every platform: quotes, never markdown. */
function confirmText(request: ApprovalRequest): string {
  const line = commandLine(request);
  const prefix = "This runs “";
  const suffix = `” as requested by ${personName(request.requester)}.`;
  const room = CONFIRM_TEXT_MAX - prefix.length - suffix.length;
  const shown = line.length <= room ? line : `${line.slice(0, Math.max(room - 1, 0))}…`;
  return `${prefix}${shown}${suffix}`.slice(0, CONFIRM_TEXT_MAX);
}

/**
 * An approver subject from config as people read it: a user or group of the platform the card is on is
 * mentioned (Slack notifies the group), anything else is shown as configured.
 */
function subjectText(subject: string): string {
  const match = /^([a-z]+):(user|group):(.+)$/.exec(subject);
  const platform = PLATFORMS.find((p) => p === match?.[1]);
  if (!match || !platform) return subject;
  const kind = match[2] as "user" | "group";
  return mention({ platform, id: match[3]!, name: match[3]! }, kind);
}

/** The Deny button's form field: its answer arrives in `ActionEvent.values.reason`. */
export const DENY_REASON_FIELD = "reason";

/** The card posted when a destructive command waits for approval, with Approve and Deny buttons. */
export function approvalCard(request: ApprovalRequest): Reply {
  const approvers =
    request.policy.approverSubjects.length > 0
      ? request.policy.approverSubjects.map(subjectText).join(", ")
      : "anyone with the approver role";
  return {
    title: title(request),
    text: `${who(request.requester)} asked to run ${commandWords(request.command)}. It runs once ${
      request.policy.required === 1
        ? "an approver other than the requester approves"
        : `${request.policy.required} approvers other than the requester approve`
    }.`,
    tone: "warning",
    code: commandLine(request),
    fields: [
      ...baseFields(request),
      { label: "Expires", value: formatUtc(request.expiresAt) },
      { label: "Approvals", value: progressLabel(request) },
      { label: "Who may approve", value: approvers },
    ],
    ...(request.target?.table ? { table: request.target.table } : {}),
    buttons: [
      {
        id: approvalActionId(request.id, "approve"),
        label: "Approve",
        style: "primary",
        confirm: {
          title: `Approve ${request.command.replaceAll(".", " ")}?`,
          text: confirmText(request),
          confirm: "Approve",
          deny: "Cancel",
        },
      },
      {
        // Denying runs nothing, so it is not styled as a danger; its form asks why (optional), which the
        // outcome shows to the requester, and doubles as the check of intent a dialog gave before.
        id: approvalActionId(request.id, "deny"),
        label: "Deny",
        prompt: {
          title: "Deny this request",
          submit: "Deny",
          fields: [
            {
              id: DENY_REASON_FIELD,
              label: "Reason (nothing will run; the requester sees it)",
              multiline: true,
              required: false,
              maxLength: 500,
            },
          ],
        },
      },
    ],
    visibility: "channel",
  };
}

/** The one-line result of a request's decision; the card's tone carries the icon, so the line has none. */
export function outcomeLine(request: ApprovalRequest): string {
  switch (request.status) {
    case "approved": {
      const names = request.approvals.map((v) => who(v.actor));
      const by =
        names.length > 0 ? joinNames(names) : request.decidedBy ? who(request.decidedBy) : "an approver";
      return `approved by ${by} at ${formatUtc(request.decidedAt ?? request.expiresAt)}`;
    }
    case "denied": {
      const line = `denied by ${request.decidedBy ? who(request.decidedBy) : "an approver"} at ${formatUtc(request.decidedAt ?? request.expiresAt)}`;
      return request.reason ? `${line}: ${request.reason}` : line;
    }
    case "expired":
      return `expired at ${formatUtc(request.expiresAt)} with ${request.approvals.length} of ${request.policy.required} approvals`;
    case "pending":
      return `waiting for approval (${progressLabel(request)}) until ${formatUtc(request.expiresAt)}`;
  }
}

/**
 * What the card becomes after a change: a decided or expired request loses its buttons and shows its
 * outcome line; a pending one (a vote recorded, more needed) is the card again with the new count.
 */
export function outcomeReply(request: ApprovalRequest): Reply {
  if (request.status === "pending") return approvalCard(request);
  const tone = request.status === "approved" ? "success" : request.status === "denied" ? "danger" : "warning";
  return {
    title: `${request.command.replaceAll(".", " ")}: ${request.status}`,
    text: outcomeLine(request),
    tone,
    code: commandLine(request),
    fields: baseFields(request),
    visibility: "channel",
  };
}
