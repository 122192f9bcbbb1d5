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
}

/**
 * Header, a rule of dashes, then one line per row, columns two spaces apart and each as wide as its widest
 * cell. A row with fewer cells than the widest row gets empty ones; the last column is not padded, so no
 * line ends in spaces.
 */
export function tableLines(table: ReplyTable, options: TableTextOptions = {}): string[] {
  const prepare = options.cell ?? ((text: string) => text);
  const columnCount = Math.max(table.columns.length, ...table.rows.map((r) => r.length));
  const cells = (row: readonly string[]) =>
    Array.from({ length: columnCount }, (_, i) => prepare(row[i] ?? ""));
  const header = cells(table.columns);
  const rows = table.rows.map(cells);
  const widths = header.map((h, i) =>
    Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i] ?? ""))),
  );
  const line = (row: string[]) =>
    row
      .map((c, i) => (i === row.length - 1 ? c : c + " ".repeat(Math.max(0, widths[i]! - displayWidth(c)))))
      .join("  ")
      .trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)];
}
