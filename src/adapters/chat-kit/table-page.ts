/**
 * Which rows of a table a message shows. Services hand over every row; the renderer shows the page the
 * user asked for (`--page`, `--limit`), or its platform's own number of rows, never more than the platform
 * holds, and says where the rest is: the next page's command and, when rows were left out, the attached
 * file. Every adapter words the same facts, so the footer reads alike on each platform.
 */
import type { ReplyTable } from "../../services/vocabulary/reply.js";

export interface RowLimits {
  /** Rows shown when the reply asks for no page. */
  rows: number;
  /** Most rows one message holds, whatever page size was asked for. */
  maxRows: number;
}

export interface TableView {
  /** The rows the message shows. */
  rows: string[][];
  /** 1-based number of the first row shown; 0 when none is. */
  first: number;
  /** 1-based number of the last row shown; 0 when none is. */
  last: number;
  total: number;
  /** True when the message leaves out rows of the table: the file then holds them all. */
  omitted: boolean;
  /** The command that shows the next page, when there is one and the reply said how it was asked for. */
  next?: string;
  /** The rows the asked-for page holds, when the platform showed fewer of them. */
  pageHeld?: { first: number; last: number };
  /** Set when the asked-for page lies beyond the last one. */
  beyond?: { page: number; pages: number; last?: string };
}

export function viewTable(table: ReplyTable, limits: RowLimits): TableView {
  const total = table.rows.length;
  const page = table.page;
  const size = Math.max(1, page ? page.limit : limits.rows);
  const number = Math.max(1, page?.number ?? 1);
  const start = (number - 1) * size;
  const pageEnd = Math.min(total, start + size);
  const end = Math.min(pageEnd, start + limits.maxRows);
  const rows = table.rows.slice(start, Math.max(start, end));
  const view: TableView = {
    rows,
    first: rows.length > 0 ? start + 1 : 0,
    last: rows.length > 0 ? end : 0,
    total,
    omitted: rows.length < total,
  };
  if (page && pageEnd < total) view.next = `${page.command} --page ${number + 1}`;
  if (end < pageEnd) view.pageHeld = { first: start + 1, last: pageEnd };
  if (total > 0 && start >= total) {
    const pages = Math.ceil(total / size);
    view.beyond = { page: number, pages, ...(page ? { last: `${page.command} --page ${pages}` } : {}) };
  }
  return view;
}

/**
 * The footer facts as one line. `code` formats a command the way the platform shows commands (Slack:
 * inline code); `file` names where every row is, when rows were left out and a file holds them.
 */
export function pageNote(
  view: TableView,
  code: (command: string) => string,
  file: string | undefined,
): string | undefined {
  const parts: string[] = [];
  if (view.beyond) {
    const { page, pages, last } = view.beyond;
    parts.push(`page ${page} is past the last page (${pages}) of ${view.total} rows`);
    if (last) parts.push(`last page: ${code(last)}`);
  } else if (view.omitted) {
    const held = view.pageHeld ? ` (the page holds ${range(view.pageHeld.first, view.pageHeld.last)})` : "";
    parts.push(`rows ${range(view.first, view.last)} of ${view.total}${held}`);
    if (view.next) parts.push(`next: ${code(view.next)}`);
  }
  if (view.omitted && file) parts.push(`every row in ${file}`);
  return parts.length > 0 ? parts.join(" · ") : undefined;
}

function range(first: number, last: number): string {
  return first === last ? String(first) : `${first}–${last}`;
}
