/**
 * Plain-text forms of Reply parts: the fixed-width table used inside Block Kit code blocks, and the full,
 * uncut text of a reply that is attached as a file when the message itself had to be cut.
 */
import type { Reply, ReplyTable } from "../../services/vocabulary/reply.js";
import { cut } from "./limits.js";

/** Widest cell shown in a message; the attached file keeps cells whole. */
export const MESSAGE_CELL_WIDTH = 60;

/** Header, a rule, then one line per row; columns padded to their widest cell (after `maxCell`). */
export function tableLines(table: ReplyTable, maxCell = Number.POSITIVE_INFINITY): string[] {
  const clip = (s: string) => (Number.isFinite(maxCell) ? cut(s.replaceAll("\n", " "), maxCell) : s);
  const header = table.columns.map(clip);
  const rows = table.rows.map((r) => table.columns.map((_, i) => clip(r[i] ?? "")));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)];
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
    out.push(...tableLines(reply.table));
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
