/**
 * Records of refused commands stay short. Anyone who can reach the bot can be refused, including users
 * with no role at all; without a bound, each refusal could store kilobytes of pasted text and grow the
 * audit stream at the speed of chat. A refusal therefore keeps at most `REFUSAL_TEXT_LIMIT` characters of
 * its arguments and of its detail: enough to see what was tried, not enough to be a storage channel.
 */
import { sanitizeArgs } from "./sanitize.js";

export const REFUSAL_TEXT_LIMIT = 200;

/** `text` cut to `limit` characters, marked with an ellipsis when cut. */
export function shortText(text: string, limit = REFUSAL_TEXT_LIMIT): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}

/**
 * The args as they would be stored (secrets redacted first, so cutting cannot reveal a key's value), or,
 * when their JSON is longer than `limit`, `{ truncated: "<first characters of that JSON>…" }`.
 */
export function shortArgs(
  args: Record<string, unknown>,
  limit = REFUSAL_TEXT_LIMIT,
): Record<string, unknown> {
  const clean = sanitizeArgs(args);
  const json = JSON.stringify(clean);
  return json.length <= limit ? clean : { truncated: shortText(json, limit) };
}
