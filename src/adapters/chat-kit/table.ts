/**
 * Fixed-width text tables for every chat adapter: a terminal, a Slack code block, a Discord code block.
 * Widths are display columns as a terminal or a monospace font draws them (string-width): an emoji or a
 * CJK character takes two columns, a combining mark none, so columns stay aligned whatever the cells hold.
 * Each adapter prepares its cells (control characters, newlines, its own length limits) before they are
 * measured here.
 */
import stringWidth from "string-width";
import type { ReplyTable } from "../../services/vocabulary/reply.js";

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** Columns `text` takes on screen. */
export function displayWidth(text: string): number {
  return stringWidth(text);
}

/** `text` cut to at most `max` columns, ending in "…" when cut; a grapheme is never split. */
export function clipToWidth(text: string, max: number): string {
  if (displayWidth(text) <= max) return text;
  let out = "";
  let used = 0;
  for (const { segment } of graphemes.segment(text)) {
    const width = displayWidth(segment);
    if (used + width > max - 1) break;
    out += segment;
    used += width;
  }
  return `${out}…`;
}

export interface TableTextOptions {
  /** Turns a raw cell (or header) into the text shown; the text as it is by default. */
  cell?: (text: string) => string;
  /**
   * Widest a line may be, in display columns. Wider tables get their widest columns narrowed (never below
   * {@link MIN_COLUMN} or the column's own width) and cells cut with "…"; the full values belong in a file.
   */
  maxWidth?: number;
}

export interface FittedTable {
  lines: string[];
  /** True when some cell was shortened to fit `maxWidth`. */
  clipped: boolean;
}

/** Narrowest a column is made to fit a width; below that a value stops being recognizable. */
export const MIN_COLUMN = 6;
const GAP = 2;

/**
 * Header, a rule of dashes, then one line per row, columns two spaces apart and each as wide as its widest
 * cell (or narrowed to fit `maxWidth`). A row with fewer cells than the widest row gets empty ones; the last
 * column is not padded, so no line ends in spaces.
 */
export function fitTable(table: ReplyTable, options: TableTextOptions = {}): FittedTable {
  const prepare = options.cell ?? ((text: string) => text);
  const columnCount = Math.max(table.columns.length, ...table.rows.map((r) => r.length));
  const cells = (row: readonly string[]) =>
    Array.from({ length: columnCount }, (_, i) => prepare(row[i] ?? ""));
  const header = cells(table.columns);
  const rows = table.rows.map(cells);
  const natural = header.map((h, i) =>
    Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i] ?? ""))),
  );
  const widths = narrowed(natural, options.maxWidth ?? Number.POSITIVE_INFINITY);
  let clipped = false;
  const clipRow = (row: string[]) =>
    row.map((c, i) => {
      const shown = clipToWidth(c, widths[i]!);
      if (shown !== c) clipped = true;
      return shown;
    });
  const line = (row: string[]) =>
    row
      .map((c, i) => (i === row.length - 1 ? c : c + " ".repeat(Math.max(0, widths[i]! - displayWidth(c)))))
      .join(" ".repeat(GAP))
      .trimEnd();
  const lines = [
    line(clipRow(header)),
    widths.map((w) => "-".repeat(w)).join(" ".repeat(GAP)),
    ...rows.map((r) => line(clipRow(r))),
  ];
  return { lines, clipped };
}

/** {@link fitTable}'s lines alone. */
export function tableLines(table: ReplyTable, options: TableTextOptions = {}): string[] {
  return fitTable(table, options).lines;
}

/**
 * Column widths whose sum with the gaps stays within `max`: the widest column loses a column at a time, so
 * short columns (ids, states) keep their full width and long ones (names, notes) share what is left.
 */
function narrowed(natural: readonly number[], max: number): number[] {
  const widths = [...natural];
  let total = widths.reduce((a, b) => a + b, 0) + GAP * Math.max(0, widths.length - 1);
  while (total > max) {
    let widest = -1;
    for (let i = 0; i < widths.length; i++) {
      if (widths[i]! > MIN_COLUMN && (widest < 0 || widths[i]! > widths[widest]!)) widest = i;
    }
    if (widest < 0) break;
    const next = Math.max(MIN_COLUMN, ...widths.filter((_, i) => i !== widest));
    const cut = Math.min(Math.max(1, widths[widest]! - next), total - max);
    widths[widest] = widths[widest]! - cut;
    total -= cut;
  }
  return widths;
}
