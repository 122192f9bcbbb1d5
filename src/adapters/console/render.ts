/**
 * Renders the platform-neutral Reply as terminal text. The same layout serves a human at a TTY (with ANSI
 * colour) and a scripted session whose transcript is read or diffed later (plain, colour off), so the plain
 * form is the source of truth and colour only wraps pieces of it, never changes its width.
 *
 * Tables show the asked-for page (or {@link CONSOLE_ROWS} rows) and fit the terminal's width: columns are
 * aligned by display width (emoji and CJK take two columns), cells cut to {@link MAX_CELL_WIDTH} columns and
 * the widest columns narrowed further when the table would be wider than the line. What is left out is in
 * the file the adapter saves (`attachment`). Control characters from command output (ANSI escapes in task
 * logs, carriage returns) are removed so a reply cannot repaint the terminal.
 */

import { plainMentions } from "../../services/vocabulary/mention.js";
import type { Reply, ReplyButton, ReplyProgress, ReplyTable, Tone } from "../../services/vocabulary/reply.js";
import { startsWithIcon, withoutMarkdown } from "../chat-kit/plain.js";
import { clipToWidth, type FittedTable, fitTable } from "../chat-kit/table.js";
import { pageNote, type RowLimits, type TableView, viewTable } from "../chat-kit/table-page.js";
import { type Paint, painter, sanitize, TONE_COLORS } from "./ansi.js";

export { sanitize } from "./ansi.js";

export interface RenderOptions {
  /** Wrap markers, titles and buttons in ANSI colour codes; only for a terminal that wants colour. */
  color: boolean;
  /** Columns of the terminal; piped output uses {@link DEFAULT_WIDTH} so transcripts stay the same. */
  width?: number;
  /** Where the full reply was saved because the message leaves something out. */
  attachment?: string;
}

/** How a message is framed in the transcript: its id, whether this print is an edit, who may see it. */
export interface MessageHeader {
  /** Console message id without the `#`; absent for ephemeral notes that cannot be clicked or edited. */
  id?: string;
  edited?: boolean;
  /** Printed as `(only you)`: the platform would show it to the invoking user only. */
  onlyYou?: boolean;
  /** The message this one replies to (a thread reply), printed as `↳ #3`. */
  replyTo?: string;
}

export const MAX_CELL_WIDTH = 48;
export const PROGRESS_BAR_WIDTH = 10;
/** The classic terminal width; used when there is no terminal to ask (piped output). */
export const DEFAULT_WIDTH = 80;
/** Rows shown when no page was asked for, and the most one message shows. */
export const CONSOLE_ROWS: RowLimits = { rows: 50, maxRows: 200 };
/** Indentation of every line of a message after its header line; transcript parsers rely on it. */
export const BODY_INDENT = "  ";
const CODE_INDENT = "    ";

export const TONE_MARKERS: Record<Tone, string> = { success: "✔", danger: "✖", warning: "!", info: "i" };

/** Reply text as the console shows it: no control characters, mentions as `@name`. */
function clean(text: string): string {
  return sanitize(plainMentions(text));
}

/** One line per cell, without control characters, cut to {@link MAX_CELL_WIDTH} columns. */
function cell(text: string): string {
  return clipToWidth(clean(text).replace(/\s*\n\s*/g, " "), MAX_CELL_WIDTH);
}

interface ConsoleTable {
  view: TableView;
  fitted: FittedTable;
}

function layoutTable(table: ReplyTable, width: number): ConsoleTable {
  const view = viewTable(table, CONSOLE_ROWS);
  const fitted = fitTable(
    { columns: table.columns, rows: view.rows },
    { cell, maxWidth: width - BODY_INDENT.length },
  );
  return { view, fitted };
}

/** True when the message leaves rows out or shortens cells: the adapter then saves the full reply. */
export function leavesOut(reply: Reply, width = DEFAULT_WIDTH): boolean {
  if (!reply.table) return false;
  const { view, fitted } = layoutTable(reply.table, width);
  return view.omitted || fitted.clipped;
}

/**
 * Columns aligned by display width; rows shorter than the widest get empty cells. Messages pass the
 * terminal's width; without one the table keeps its natural width.
 */
export function renderTable(
  table: ReplyTable,
  paint: Paint = painter(false),
  width = Number.POSITIVE_INFINITY,
): string[] {
  const { view, fitted } = layoutTable(table, width);
  const [header = "", ...rest] = fitted.lines;
  const out = [paint(header, "bold"), ...rest];
  if (table.rows.length === 0) out.push("(no rows)");
  const note = pageNote(view, (c) => c, undefined);
  if (note) out.push(paint(note, "dim"));
  if (table.footer) out.push(paint(clean(table.footer), "dim"));
  return out;
}

/** `[#####.....] 50% step`; the fraction is clamped to 0..1 and the percentage rounded down. */
export function renderProgress(progress: ReplyProgress, paint: Paint = painter(false)): string {
  const fraction = Number.isFinite(progress.fraction) ? Math.min(1, Math.max(0, progress.fraction)) : 0;
  const filled = Math.floor(fraction * PROGRESS_BAR_WIDTH + 1e-9);
  const bar = paint("#".repeat(filled), "cyan") + ".".repeat(PROGRESS_BAR_WIDTH - filled);
  const percent = Math.floor(fraction * 100 + 1e-9);
  const step = clean(progress.step).replace(/\n/g, " ");
  return `[${bar}] ${percent}%${step ? ` ${step}` : ""}`;
}

/** Buttons are numbered from 1 because the user clicks them by number (`:click 2`). */
export function renderButtons(buttons: ReplyButton[], paint: Paint = painter(false)): string {
  return buttons
    .map((b, i) => {
      const label = buttonLabel(b.label);
      const styled =
        b.style === "danger" ? paint(label, "red") : b.style === "primary" ? paint(label, "green") : label;
      return `[${i + 1}] ${styled}`;
    })
    .join("  ");
}

/** Labels and dialogs are plain text on every platform: no markdown, one line. */
export function buttonLabel(label: string): string {
  return sanitize(withoutMarkdown(label)).replace(/\n/g, " ");
}

/** The reply's lines, without message framing. Never empty. */
export function renderReply(reply: Reply, options: RenderOptions = { color: false }): string[] {
  const paint = painter(options.color);
  const width = options.width ?? DEFAULT_WIDTH;
  const textLines = reply.text ? clean(reply.text).split("\n") : [];
  const title = reply.title ? clean(reply.title).replace(/\n/g, " ") : undefined;
  const headText = title ?? textLines.shift() ?? "";
  const tone = reply.tone;
  // A title that already starts with an icon gets no tone marker, so a card never shows two.
  const marker =
    tone && !startsWithIcon(headText) ? paint(TONE_MARKERS[tone], TONE_COLORS[tone], "bold") : "";
  const code = reply.errorCode ? paint(`(${sanitize(reply.errorCode)})`, "dim") : "";
  const paintedHead =
    title !== undefined ? paint(headText, "bold", ...(tone ? [TONE_COLORS[tone]] : [])) : headText;
  const head = [marker, paintedHead, code].filter((part) => part !== "").join(" ");
  const lines: string[] = head ? [head] : [];
  lines.push(...textLines);

  for (const field of reply.fields ?? []) {
    const [first = "", ...rest] = clean(field.value).split("\n");
    lines.push(
      `${clean(field.label).replace(/\n/g, " ")}: ${first}`,
      ...rest.map((l) => `${BODY_INDENT}${l}`),
    );
  }
  if (reply.table) lines.push(...renderTable(reply.table, paint, width));
  if (reply.code !== undefined) {
    lines.push(
      ...sanitize(reply.code.replace(/\n$/, ""))
        .split("\n")
        .map((l) => paint(`${CODE_INDENT}${l}`, "dim")),
    );
  }
  if (reply.progress) lines.push(renderProgress(reply.progress, paint));
  if (reply.context) lines.push(paint(clean(reply.context).replace(/\n/g, " "), "dim"));
  if (options.attachment) lines.push(paint(`full text: ${sanitize(options.attachment)}`, "dim"));
  for (const link of reply.links ?? []) {
    lines.push(`↗ ${buttonLabel(link.label)}: ${paint(sanitize(link.url).replace(/\s/g, ""), "cyan")}`);
  }
  // Buttons stay the last line: `:click n` counts them there.
  if (reply.buttons?.length) lines.push(renderButtons(reply.buttons, paint));
  return lines.length > 0 ? lines : ["(empty message)"];
}

/**
 * A whole message as printed: `#3 (edited) (only you) ✔ Title` then the body indented by
 * {@link BODY_INDENT}. Ends with a newline.
 */
export function formatMessage(
  header: MessageHeader,
  reply: Reply,
  options: RenderOptions = { color: false },
): string {
  const paint = painter(options.color);
  const tags = [
    header.id !== undefined ? paint(`#${header.id}`, "bold") : "",
    header.replyTo !== undefined ? paint(`↳ #${header.replyTo}`, "dim") : "",
    header.edited ? paint("(edited)", "dim") : "",
    header.onlyYou ? paint("(only you)", "dim") : "",
  ].filter((t) => t !== "");
  const [first = "", ...rest] = renderReply(reply, options);
  const lines = [[...tags, first].join(" "), ...rest.map((l) => (l === "" ? "" : `${BODY_INDENT}${l}`))];
  return `${lines.join("\n")}\n`;
}
