/**
 * Button ids for approval cards. A button carries only the request id and the verdict; the command and
 * its arguments are always read back from the store, never from what the platform sends.
 */
import { isApprovalId } from "./ids.js";

export type Verdict = "approve" | "deny";

export function approvalActionId(id: string, verdict: Verdict): string {
  return `approval:${id}:${verdict}`;
}

/** `approval:<id>:approve|deny` → its parts; anything else (other prefixes, bad ids) → undefined. */
export function parseApprovalAction(actionId: string): { id: string; verdict: Verdict } | undefined {
  const match = /^approval:([^:]+):(approve|deny)$/.exec(actionId);
  if (!match || !isApprovalId(match[1]!)) return undefined;
  return { id: match[1]!, verdict: match[2] as Verdict };
}
