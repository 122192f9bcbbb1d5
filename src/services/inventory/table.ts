/**
 * Tables that fit a chat message. Slack and Discord both cap message size, so long listings are cut to
 * a fixed number of rows with a footer that says how many were left out and how to narrow the listing.
 */
import type { ReplyTable } from "../vocabulary/reply.js";

/** Rows shown before a listing is cut; keeps a reply well under Slack's and Discord's limits. */
export const MAX_TABLE_ROWS = 20;

export function cutTable(
  columns: string[],
  rows: string[][],
  hint: string,
  max = MAX_TABLE_ROWS,
): ReplyTable {
  if (rows.length <= max) return { columns, rows };
  return { columns, rows: rows.slice(0, max), footer: `… ${rows.length - max} more; ${hint}` };
}
