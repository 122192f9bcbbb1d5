/**
 * Plain-text forms of Reply parts: the fixed-width table used inside Block Kit code blocks, and the full,
 * uncut text of a reply that is attached as a file when the message itself had to be cut.
 */
import type { Reply, ReplyTable } from "../../services/vocabulary/reply.js";
import { tableLines } from "../chat-kit/table.js";
import { cut } from "./limits.js";

/** Widest cell shown in a message; the attached file keeps cells whole. */
export const MESSAGE_CELL_WIDTH = 60;

/** The table as text; in a message each cell is one line of at most `maxCell` characters. */
export function slackTableLines(table: ReplyTable, maxCell = Number.POSITIVE_INFINITY): string[] {
  if (!Number.isFinite(maxCell)) return tableLines(table);
  return tableLines(table, { cell: (s) => cut(s.replaceAll("\n", " "), maxCell) });
}

/** Everything the reply says, uncut, for the attached file. */
export function fullText(reply: Reply): string {
  const out: string[] = [];
  if (reply.title) out.push(reply.title, "=".repeat(Math.min(reply.title.length, 80)), "");
  if (reply.text) out.push(reply.text, "");
  if (reply.fields?.length) {
    for (const f of reply.fields) out.push(`${f.label}: ${f.value}`);
    out.push("");
  }
  if (reply.progress) {
    out.push(
      `progress: ${Math.round(clampFraction(reply.progress.fraction) * 100)}% ${reply.progress.step}`,
      "",
    );
  }
  if (reply.table) {
    out.push(...slackTableLines(reply.table));
    if (reply.table.footer) out.push(reply.table.footer);
    out.push("");
  }
  if (reply.code) out.push(reply.code, "");
  if (reply.errorCode) out.push(`code: ${reply.errorCode}`);
  return `${out.join("\n").trimEnd()}\n`;
}

export function clampFraction(f: number): number {
  return Number.isFinite(f) ? Math.min(1, Math.max(0, f)) : 0;
}

/** A file name from the title: lower case, dashes, `.txt`. */
export function fileNameFor(reply: Reply): string {
  const slug = (reply.title ?? "reply")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60);
  return `${slug || "reply"}.txt`;
}
