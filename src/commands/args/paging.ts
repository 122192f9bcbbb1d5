/**
 * `--page N` and `--limit N` for every list command, in one place. A list command returns all its rows;
 * the page it was asked for travels with the table (`table.page`), and the renderer shows that page and
 * attaches every row as a file when the message cannot hold them. So a service never cuts a listing, and
 * the footer can tell the reader the exact command for the next page.
 */
import { z } from "zod";
import { commandLine } from "../../services/approvals/format.js";
import { errorReply, type Reply } from "../../services/vocabulary/reply.js";

/** Rows per page when `--limit` is not given; what fits a chat message at a glance. */
export const DEFAULT_PAGE_LIMIT = 20;
/** Beyond this a page is a file, not a message: the renderer attaches every row anyway. */
export const MAX_PAGE_LIMIT = 100;
/** Far beyond any listing the bot makes; keeps a typo such as `--page 99999999999` a clear refusal. */
export const MAX_PAGE = 10_000;

export const pagingArgs = {
  page: z
    .number({ error: "a page is a whole number, like 2" })
    .int(`a page is a whole number from 1 to ${MAX_PAGE}`)
    .min(1, `a page is a whole number from 1 to ${MAX_PAGE}`)
    .max(MAX_PAGE, `a page is a whole number from 1 to ${MAX_PAGE}`)
    .optional()
    .describe("Page to show, from 1"),
  limit: z
    .number({ error: "a limit is a whole number, like 10" })
    .int(`a limit is a whole number of rows from 1 to ${MAX_PAGE_LIMIT}`)
    .min(1, `a limit is a whole number of rows from 1 to ${MAX_PAGE_LIMIT}`)
    .max(MAX_PAGE_LIMIT, `a limit is a whole number of rows from 1 to ${MAX_PAGE_LIMIT}`)
    .optional()
    .describe(`Rows per page (default ${DEFAULT_PAGE_LIMIT})`),
};

export interface PagingArgs {
  page?: number | undefined;
  limit?: number | undefined;
}

/** The list command, named as registered (`template.list`). List commands take flags only. */
export interface ListCommand {
  name: string;
}

/**
 * Attaches the asked-for page to `reply.table`, or refuses a page beyond the end ("page 9 of 3"). A reply
 * without a table (an empty listing says so in words) is returned as it is, whatever page was asked for.
 */
export function pageReply(
  reply: Reply,
  command: ListCommand,
  args: PagingArgs & Record<string, unknown>,
): Reply {
  const table = reply.table;
  if (!table || table.rows.length === 0) return reply;
  const limit = args.limit ?? DEFAULT_PAGE_LIMIT;
  const number = args.page ?? 1;
  const pages = Math.ceil(table.rows.length / limit);
  // The same spelling as approval cards: every given argument as a flag, so the line can be copied.
  const line = commandLine({ command: command.name, args: { ...args, page: undefined } });
  if (number > pages) {
    const rows = `${table.rows.length} row${table.rows.length === 1 ? "" : "s"}`;
    return errorReply(
      "E_ARGS",
      `page ${number} of ${pages}: there ${table.rows.length === 1 ? "is" : "are"} ${rows}, ${limit} per page; \`${line}${pages > 1 ? ` --page ${pages}` : ""}\` shows the last page`,
    );
  }
  return { ...reply, table: { ...table, page: { number, limit, command: line } } };
}
