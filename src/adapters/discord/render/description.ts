/**
 * An embed's description: the progress line, the text, the table (the page of rows as a monospace code
 * block at most {@link TABLE_WIDTH} columns wide, with where the rest is) and the code block, in that order,
 * within a budget of characters. What does not fit is left out and counted, so the message can say so and
 * attach the full text.
 */
import { plainMentions } from "../../../services/vocabulary/mention.js";
import type { Reply } from "../../../services/vocabulary/reply.js";
import { cut } from "../../chat-kit/cut.js";
import { clampFraction } from "../../chat-kit/full-text.js";
import { fitTable } from "../../chat-kit/table.js";
import { pageNote, type RowLimits, type TableView, viewTable } from "../../chat-kit/table-page.js";
import { codeBlock, codeLine, discordText } from "./text.js";

/** Rows shown when no page was asked for, and the most one message shows (50 × 61 columns fit 4096). */
export const DISCORD_ROWS: RowLimits = { rows: 20, maxRows: 50 };
/** Columns of a code block inside an embed on a desktop client before lines wrap. */
const TABLE_WIDTH = 60;
/** Widest cell before the table is fitted to the width. */
const CELL_WIDTH = 40;
const BAR_CELLS = 20;
const FENCE = 8;
const GAP = "\n\n";

export interface Description {
  text: string;
  /** True when a cell was shortened or rows left out by the table's own rules (page, width). */
  tableLossy: boolean;
  /** What the budget left out: how many of each kind ("rows", "code lines"), 0 for "text shortened". */
  dropped: Map<string, number>;
}

export function buildDescription(reply: Reply, budget: number, filename: string): Description {
  const parts: string[] = [];
  const dropped = new Map<string, number>();
  const room = () => budget - parts.reduce((n, p) => n + p.length + GAP.length, 0);
  if (reply.progress) parts.push(cut(progressLine(reply.progress.fraction, reply.progress.step), 300));
  if (reply.text) {
    const text = discordText(reply.text);
    const left = room();
    const kept = left > 1 ? cut(text, left) : "";
    if (kept !== text) dropped.set("text shortened", 0);
    if (kept) parts.push(kept);
  }
  let tableLossy = false;
  if (reply.table) {
    const table = tablePart(reply, room(), filename);
    tableLossy = table.lossy;
    if (table.text) parts.push(table.text);
    if (table.droppedRows > 0) dropped.set("rows", table.droppedRows);
  }
  if (reply.code) {
    const lines = reply.code.split("\n").map(codeLine);
    const kept = fitLines(lines, room() - FENCE);
    if (kept.length > 0) parts.push(codeBlock(kept));
    if (kept.length < lines.length) dropped.set("code lines", lines.length - kept.length);
    else if (kept.at(-1) !== lines.at(-1)) dropped.set("code shortened", 0);
  }
  return { text: parts.join(GAP), tableLossy, dropped };
}

interface TablePart {
  text: string;
  lossy: boolean;
  droppedRows: number;
}

function tablePart(reply: Reply, room: number, filename: string): TablePart {
  const table = reply.table!;
  const view = viewTable(table, DISCORD_ROWS);
  const fitted = fitTable(
    { columns: table.columns, rows: view.rows },
    { cell: (s) => cut(plainMentions(s).replaceAll("\n", " "), CELL_WIDTH), maxWidth: TABLE_WIDTH },
  );
  const [header = "", rule = "", ...rows] = fitted.lines.map(codeLine);
  const footer = table.footer ? cut(discordText(table.footer), 500) : undefined;
  const file = `\`${filename}\``;
  // Room for the notes before the rows are counted: the longest page note is about 200 characters.
  const noteRoom = 240 + (footer?.length ?? 0) + filename.length;
  const rowRoom = room - FENCE - header.length - rule.length - 2 - noteRoom;
  if (rowRoom < 0) return { text: "", lossy: true, droppedRows: view.rows.length };
  const kept = fitLines(rows, rowRoom, false);
  const shown: TableView =
    kept.length === rows.length
      ? view
      : {
          ...view,
          rows: view.rows.slice(0, kept.length),
          last: kept.length > 0 ? view.first + kept.length - 1 : 0,
          omitted: true,
          pageHeld: view.pageHeld ?? { first: view.first, last: view.last },
        };
  const note = pageNote(shown, (c) => `\`${c}\``, file);
  const clipped = fitted.clipped && !shown.omitted ? `long values shortened · in full in ${file}` : undefined;
  const notes = [note, clipped, footer].filter(Boolean).join("\n");
  const block = codeBlock([header, rule, ...kept]);
  return {
    text: notes ? `${block}\n${notes}` : block,
    lossy: shown.omitted || fitted.clipped,
    droppedRows: rows.length - kept.length,
  };
}

/**
 * The first lines whose joined length stays within `room`. When not even the first fits and `cutFirst`,
 * it is cut to fit instead.
 */
function fitLines(lines: readonly string[], room: number, cutFirst = true): string[] {
  const kept: string[] = [];
  let size = 0;
  for (const line of lines) {
    const added = line.length + (kept.length > 0 ? 1 : 0);
    if (size + added > room) {
      if (kept.length === 0 && cutFirst && room > 1) kept.push(cut(line, room));
      break;
    }
    kept.push(line);
    size += added;
  }
  return kept;
}

function progressLine(fraction: number, step: string): string {
  const f = clampFraction(fraction);
  const filled = Math.round(f * BAR_CELLS);
  const bar = `\`${"█".repeat(filled)}${"░".repeat(BAR_CELLS - filled)}\` ${Math.round(f * 100)}%`;
  return step ? `${bar} · ${discordText(step)}` : bar;
}
