/**
 * The fixed-width table used inside Block Kit code blocks. The attached file (chat-kit/full-text.ts) keeps
 * every row and every cell whole; here each cell is one line and the table at most
 * {@link CODE_BLOCK_WIDTH} columns wide, the width a Slack code block shows without wrapping.
 */
import { plainMentions } from "../../services/vocabulary/mention.js";
import type { ReplyTable } from "../../services/vocabulary/reply.js";
import { type FittedTable, fitTable } from "../chat-kit/table.js";
import { cut } from "./limits.js";

/** Widest cell shown in a message before the table is fitted to the width. */
export const MESSAGE_CELL_WIDTH = 60;
/** Columns a Slack code block shows on a laptop screen without wrapping. */
export const CODE_BLOCK_WIDTH = 80;

/** The table as shown in a message: cells on one line, mentions as names (code blocks show no mentions). */
export function slackTable(table: ReplyTable): FittedTable {
  return fitTable(table, {
    cell: (s) => cut(plainMentions(s).replaceAll("\n", " "), MESSAGE_CELL_WIDTH),
    maxWidth: CODE_BLOCK_WIDTH,
  });
}

/** The table's lines as a message shows them. */
export function slackTableLines(table: ReplyTable): string[] {
  return slackTable(table).lines;
}
