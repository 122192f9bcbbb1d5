/**
 * The outcome classes `/metrics` counts commands by. Error codes are many and grow with features; a
 * dashboard needs a handful of stable classes that say whose move it is: the user's (usage, forbidden),
 * the operator's (unavailable) or the developer's (error).
 */
import type { Reply } from "../../services/vocabulary/reply.js";

export const COMMAND_OUTCOMES = ["ok", "usage", "forbidden", "unavailable", "error"] as const;
export type CommandOutcome = (typeof COMMAND_OUTCOMES)[number];

/** The user typed something the bot cannot act on: fix the command and send it again. */
const USAGE_CODES = new Set(["E_ARGS", "E_UNKNOWN_COMMAND", "E_NOT_FOUND"]);
/** The user may not do this (role, channel allow-list, approval rules). */
const FORBIDDEN_CODES = new Set(["E_FORBIDDEN", "E_CHANNEL", "E_SELF_APPROVAL", "E_PVE_PERMISSION"]);
/** A backend the bot needs is not answering; nothing the user can fix. */
const UNAVAILABLE_CODES = new Set(["E_UNAVAILABLE", "E_PVE_UNREACHABLE"]);

/**
 * A reply without an error code is `ok` (an approval request that now waits counts as ok: the command was
 * accepted). Every other code, internal errors and Proxmox refusals alike, is `error`.
 */
export function outcomeOf(reply: Reply): CommandOutcome {
  const code = reply.errorCode;
  if (code === undefined) return reply.tone === "danger" ? "error" : "ok";
  if (USAGE_CODES.has(code)) return "usage";
  if (FORBIDDEN_CODES.has(code)) return "forbidden";
  if (UNAVAILABLE_CODES.has(code)) return "unavailable";
  return "error";
}
