/**
 * Renders the platform-neutral Reply as terminal text. The same layout serves a human at a TTY (with ANSI
 * colour) and a scripted session whose transcript is read or diffed later (plain, colour off), so the plain
 * form is the source of truth and colour only wraps pieces of it, never changes its width.
 *
 * Table columns are aligned by display width (emoji and CJK take two columns) and cells are cut to
 * {@link MAX_CELL_WIDTH} columns. Control characters from command output (ANSI escapes in task logs,
 * carriage returns) are removed so a reply cannot repaint the terminal.
 */

import type { Reply, ReplyButton, ReplyProgress, ReplyTable, Tone } from "../../services/vocabulary/reply.js";
import { clipToWidth, tableLines } from "../chat-kit/table.js";

export interface RenderOptions {
  /** Wrap markers, titles and buttons in ANSI colour codes; only for a real terminal. */
  color: boolean;
}

/** How a message is framed in the transcript: its id, whether this print is an edit, who may see it. */
export interface MessageHeader {
  /** Console message id without the `#`; absent for ephemeral notes that cannot be clicked or edited. */
  id?: string;
  edited?: boolean;
  /** Printed as `(only you)`: the platform would show it to the invoking user only. */
  onlyYou?: boolean;
}

export const MAX_CELL_WIDTH = 48;
export const PROGRESS_BAR_WIDTH = 10;
/** Indentation of every line of a message after its header line; transcript parsers rely on it. */
export const BODY_INDENT = "  ";
const CODE_INDENT = "    ";

export const TONE_MARKERS: Record<Tone, string> = { success: "✔", danger: "✖", warning: "!", info: "i" };

const ANSI = {
  bold: "\u001b[1m",
  dim: "\u001b[2m",
  red: "\u001b[31m",
  green: "\u001b[32m",
  yellow: "\u001b[33m",
  cyan: "\u001b[36m",
  reset: "\u001b[0m",
} as const;

const TONE_COLORS: Record<Tone, keyof typeof ANSI> = {
  success: "green",
  danger: "red",
  warning: "yellow",
  info: "cyan",
};

type Paint = (text: string, ...styles: (keyof typeof ANSI)[]) => string;

function painter(color: boolean): Paint {
  if (!color) return (text) => text;
  return (text, ...styles) =>
    text === "" ? text : `${styles.map((s) => ANSI[s]).join("")}${text}${ANSI.reset}`;
}

const ESC = 0x1b;
const BEL = 0x07;

/**
 * Removes terminal control sequences (CSI such as colours and cursor moves, OSC such as window titles) and
 * control characters except newlines; tabs become two spaces so alignment stays predictable.
 */
export function sanitize(text: string): string {
  let out = "";
  const s = text.replace(/\r\n?/g, "\n").replace(/\t/g, "  ");
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (code === ESC) {
      i = skipEscape(s, i);
      continue;
    }
    if (code === 10 || !isControl(code)) out += s[i];
  }
  return out;
}

function isControl(code: number): boolean {
  return code < 0x20 || (code >= 0x7f && code <= 0x9f);
}

/** Index of the last character of the escape sequence starting at `at`. */
function skipEscape(s: string, at: number): number {
  const kind = s[at + 1];
  if (kind === "[") {
    let i = at + 2;
    while (i < s.length && !/[@-~]/.test(s[i] ?? "")) i++;
    return i;
  }
  if (kind === "]") {
    let i = at + 2;
    while (i < s.length && s.charCodeAt(i) !== BEL && !(s.charCodeAt(i) === ESC && s[i + 1] === "\\")) i++;
    return s.charCodeAt(i) === ESC ? i + 1 : i;
  }
  return kind === undefined ? at : at + 1;
}

/** One line per cell, without control characters, cut to {@link MAX_CELL_WIDTH} columns. */
function cell(text: string): string {
  return clipToWidth(sanitize(text).replace(/\s*\n\s*/g, " "), MAX_CELL_WIDTH);
}

/** Columns aligned by display width; rows shorter than the widest get empty cells. */
export function renderTable(table: ReplyTable, paint: Paint = painter(false)): string[] {
  const [header = "", ...rest] = tableLines(table, { cell });
  const out = [paint(header, "bold"), ...rest];
  if (table.rows.length === 0) out.push("(no rows)");
  if (table.footer) out.push(paint(sanitize(table.footer), "dim"));
  return out;
}

/** `[#####.....] 50% step`; the fraction is clamped to 0..1 and the percentage rounded down. */
export function renderProgress(progress: ReplyProgress, paint: Paint = painter(false)): string {
  const fraction = Number.isFinite(progress.fraction) ? Math.min(1, Math.max(0, progress.fraction)) : 0;
  const filled = Math.floor(fraction * PROGRESS_BAR_WIDTH + 1e-9);
  const bar = paint("#".repeat(filled), "cyan") + ".".repeat(PROGRESS_BAR_WIDTH - filled);
  const percent = Math.floor(fraction * 100 + 1e-9);
  const step = sanitize(progress.step).replace(/\n/g, " ");
  return `[${bar}] ${percent}%${step ? ` ${step}` : ""}`;
}

/** Buttons are numbered from 1 because the user clicks them by number (`:click 2`). */
export function renderButtons(buttons: ReplyButton[], paint: Paint = painter(false)): string {
  return buttons
    .map((b, i) => {
      const label = sanitize(b.label).replace(/\n/g, " ");
      const styled =
        b.style === "danger" ? paint(label, "red") : b.style === "primary" ? paint(label, "green") : label;
      return `[${i + 1}] ${styled}`;
    })
    .join("  ");
}

/** The reply's lines, without message framing. Never empty. */
export function renderReply(reply: Reply, options: RenderOptions = { color: false }): string[] {
  const paint = painter(options.color);
  const marker = reply.tone ? paint(TONE_MARKERS[reply.tone], TONE_COLORS[reply.tone], "bold") : "";
  const code = reply.errorCode ? paint(`(${sanitize(reply.errorCode)})`, "dim") : "";
  const textLines = reply.text ? sanitize(reply.text).split("\n") : [];
  const title = reply.title ? sanitize(reply.title).replace(/\n/g, " ") : undefined;

  const headText = title !== undefined ? paint(title, "bold") : (textLines.shift() ?? "");
  const head = [marker, headText, code].filter((part) => part !== "").join(" ");
  const lines: string[] = head ? [head] : [];
  lines.push(...textLines);

  for (const field of reply.fields ?? []) {
    const [first = "", ...rest] = sanitize(field.value).split("\n");
    lines.push(
      `${sanitize(field.label).replace(/\n/g, " ")}: ${first}`,
      ...rest.map((l) => `${BODY_INDENT}${l}`),
    );
  }
  if (reply.table) lines.push(...renderTable(reply.table, paint));
  if (reply.code !== undefined) {
    lines.push(
      ...sanitize(reply.code.replace(/\n$/, ""))
        .split("\n")
        .map((l) => paint(`${CODE_INDENT}${l}`, "dim")),
    );
  }
  if (reply.progress) lines.push(renderProgress(reply.progress, paint));
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
    header.edited ? paint("(edited)", "dim") : "",
    header.onlyYou ? paint("(only you)", "dim") : "",
  ].filter((t) => t !== "");
  const [first = "", ...rest] = renderReply(reply, options);
  const lines = [[...tags, first].join(" "), ...rest.map((l) => (l === "" ? "" : `${BODY_INDENT}${l}`))];
  return `${lines.join("\n")}\n`;
}
