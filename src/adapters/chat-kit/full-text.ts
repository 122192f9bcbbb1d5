/**
 * Everything a reply says, uncut, as plain text: the file a chat adapter attaches when its message had to
 * leave something out (rows beyond the page, cells shortened to fit the width). It holds every row of the
 * table and every cell whole, whatever page the message showed.
 */
import { plainMentions } from "../../services/vocabulary/mention.js";
import type { Reply } from "../../services/vocabulary/reply.js";
import { tableLines } from "./table.js";

export function fullText(reply: Reply): string {
  const out: string[] = [];
  const title = reply.title ? plainMentions(reply.title) : undefined;
  if (title) out.push(title, "=".repeat(Math.min(title.length, 80)), "");
  if (reply.text) out.push(plainMentions(reply.text), "");
  if (reply.fields?.length) {
    for (const f of reply.fields) out.push(`${plainMentions(f.label)}: ${plainMentions(f.value)}`);
    out.push("");
  }
  if (reply.progress) {
    out.push(
      `progress: ${Math.round(clampFraction(reply.progress.fraction) * 100)}% ${reply.progress.step}`,
      "",
    );
  }
  if (reply.table) {
    const { columns, rows } = reply.table;
    out.push(...tableLines({ columns, rows: rows.map((r) => r.map(plainMentions)) }));
    out.push(`(${rows.length} row${rows.length === 1 ? "" : "s"})`);
    if (reply.table.footer) out.push(plainMentions(reply.table.footer));
    out.push("");
  }
  if (reply.code) out.push(reply.code, "");
  if (reply.links?.length) {
    for (const l of reply.links) out.push(`${plainMentions(l.label)}: ${l.url}`);
    out.push("");
  }
  if (reply.context) out.push(plainMentions(reply.context), "");
  if (reply.errorCode) out.push(`code: ${reply.errorCode}`);
  return `${out.join("\n").trimEnd()}\n`;
}

export function clampFraction(f: number): number {
  return Number.isFinite(f) ? Math.min(1, Math.max(0, f)) : 0;
}

/** A file name from the title: lower case, dashes, `.txt`. */
export function fileNameFor(reply: Reply): string {
  const slug = plainMentions(reply.title ?? "reply")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60);
  return `${slug || "reply"}.txt`;
}
