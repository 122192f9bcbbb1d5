/**
 * Renders the platform-neutral Reply as Block Kit within Slack's limits. Order: header, progress, text,
 * fields, table (the page of rows, at most {@link CODE_BLOCK_WIDTH} columns wide, and its footer), code,
 * then the context line, the cut note, the error code and the buttons (action buttons, then link buttons).
 * Whenever the message leaves something out (rows beyond the page, cells cut to fit the width, content
 * over the block count or the total text budget), the whole reply is returned as `overflow` for the adapter
 * to attach as a file, and the message says so.
 */
import type { Reply, ReplyField, Tone } from "../../services/vocabulary/reply.js";
import type { ButtonSigner } from "../chat-kit/button-signer.js";
import { clampFraction, fileNameFor, fullText } from "../chat-kit/full-text.js";
import { startsWithIcon, withoutMarkdown } from "../chat-kit/plain.js";
import { pageNote, type RowLimits, viewTable } from "../chat-kit/table-page.js";
import { type ButtonElement, buttonElements, type PlainText, plain } from "./buttons.js";
import { chunkLines, cut, escapeMrkdwn, LIMITS } from "./limits.js";
import { mrkdwnText } from "./mentions.js";
import { slackTable } from "./plaintext.js";

export type { ButtonElement, PlainText } from "./buttons.js";
export { CODE_BLOCK_WIDTH } from "./plaintext.js";

export interface Mrkdwn {
  type: "mrkdwn";
  text: string;
}
export type Block =
  | { type: "header"; text: PlainText }
  | { type: "section"; text: Mrkdwn }
  | { type: "section"; fields: Mrkdwn[] }
  | { type: "context"; elements: Mrkdwn[] }
  | { type: "actions"; elements: ButtonElement[] };

export interface Overflow {
  filename: string;
  title: string;
  content: string;
}

export interface SlackMessage {
  /** Notification and accessibility fallback; Slack shows it where blocks cannot be shown. */
  text: string;
  blocks: Block[];
  /** Present when content was left out or cut; the adapter attaches it as a file. */
  overflow?: Overflow;
}

/**
 * Rows of a table in one message: 20 when no page was asked for (a screenful), at most 50 (about 4,000
 * characters at 80 columns, well inside the message's text budget next to fields and buttons).
 */
export const SLACK_ROWS: RowLimits = { rows: 20, maxRows: 50 };

type CutKind = "lines" | "rows" | "fields" | "code lines";
interface Chunk {
  block: Block;
  kind?: CutKind;
  count: number;
}

const TONE_EMOJI: Record<Tone, string> = {
  info: "",
  success: ":white_check_mark:",
  warning: ":warning:",
  danger: ":x:",
};
const BAR_CELLS = 20;
/** ``` fences and their newlines around a code section. */
const FENCE = 8;

export function renderReply(reply: Reply, signer: ButtonSigner): SlackMessage {
  const filename = fileNameFor(reply);
  const lead = reply.title ?? reply.text ?? "";
  const emoji = reply.tone && !startsWithIcon(lead) ? TONE_EMOJI[reply.tone] : "";
  const head: Block[] = [];
  if (reply.title) {
    const title = withoutMarkdown(reply.title).trim() || reply.title;
    head.push({
      type: "header",
      text: plain(cut(emoji ? `${emoji} ${title}` : title, LIMITS.header)),
    });
  }
  if (reply.progress) head.push(progressBlock(reply.progress.fraction, reply.progress.step));

  const body: Chunk[] = [];
  if (reply.text) {
    const text = !reply.title && emoji ? `${emoji} ${reply.text}` : reply.text;
    for (const group of chunkLines(mrkdwnText(text).split("\n"), LIMITS.text)) {
      body.push({ block: section(group.join("\n")), kind: "lines", count: group.length });
    }
  }
  for (const group of fieldGroups(reply.fields ?? [])) {
    body.push({ block: { type: "section", fields: group }, kind: "fields", count: group.length });
  }
  let tableLossy = false;
  if (reply.table) {
    const view = viewTable(reply.table, SLACK_ROWS);
    const fitted = slackTable({ columns: reply.table.columns, rows: view.rows });
    tableLossy = view.omitted || fitted.clipped;
    const [header = "", rule = "", ...rows] = fitted.lines.map(escapeMrkdwn);
    const groups = chunkLines(rows, LIMITS.text - FENCE - header.length - rule.length - 2);
    if (groups.length === 0) body.push({ block: codeSection([header, rule]), count: 0 });
    for (const g of groups)
      body.push({ block: codeSection([header, rule, ...g]), kind: "rows", count: g.length });
    const file = `\`${escapeMrkdwn(filename)}\``;
    const note = pageNote(view, (c) => `\`${escapeMrkdwn(c)}\``, file);
    const clippedNote =
      fitted.clipped && !view.omitted ? `long values shortened · in full in ${file}` : undefined;
    const footer = [
      note,
      clippedNote,
      reply.table.footer ? mrkdwnText(reply.table.footer) : undefined,
    ].filter(Boolean);
    if (footer.length > 0) body.push({ block: context(footer.join("\n")), count: 0 });
  }
  if (reply.code) {
    for (const g of chunkLines(escapeMrkdwn(reply.code).split("\n"), LIMITS.text - FENCE)) {
      body.push({ block: codeSection(g), kind: "code lines", count: g.length });
    }
  }

  const tail: Block[] = [];
  if (reply.context) tail.push(context(mrkdwnText(reply.context)));
  if (reply.errorCode) tail.push(context(`code \`${escapeMrkdwn(reply.errorCode)}\``));
  const buttons = buttonElements(reply.buttons ?? [], reply.links ?? [], signer);
  if (buttons.dropped > 0) tail.push(context(`… ${buttons.dropped} more buttons not shown`));
  for (let i = 0; i < buttons.elements.length; i += LIMITS.actionsPerBlock) {
    tail.push({ type: "actions", elements: buttons.elements.slice(i, i + LIMITS.actionsPerBlock) });
  }

  const otherLossy = isLossy(reply, emoji);
  const fixedBlocks = head.length + tail.length;
  const fixedChars = textSize(head) + textSize(tail);
  const bodyChars = body.reduce((n, c) => n + textSize([c.block]), 0);
  const fits = fixedBlocks + body.length <= LIMITS.blocks && fixedChars + bodyChars <= LIMITS.totalText;
  const fallback = fallbackText(reply);
  const overflow = {
    filename,
    title: reply.title ? withoutMarkdown(reply.title) : "Full reply",
    content: fullText(reply),
  };
  if (fits && !otherLossy) {
    const blocks = [...head, ...body.map((c) => c.block), ...tail];
    return tableLossy ? { text: fallback, blocks, overflow } : { text: fallback, blocks };
  }

  const kept: Block[] = [];
  let chars = fixedChars + 200;
  let i = 0;
  for (; i < body.length; i++) {
    const chunk = body[i]!;
    const size = textSize([chunk.block]);
    if (fixedBlocks + kept.length + 2 > LIMITS.blocks || chars + size > LIMITS.totalText) break;
    kept.push(chunk.block);
    chars += size;
  }
  const dropped = new Map<CutKind, number>();
  for (const c of body.slice(i)) if (c.kind) dropped.set(c.kind, (dropped.get(c.kind) ?? 0) + c.count);
  const counts = [...dropped].map(([kind, n]) => `${n} more ${kind}`).join(", ") || "some values shortened";
  const note = context(`… ${counts}; the full text is attached as \`${escapeMrkdwn(filename)}\``);
  return { text: fallback, blocks: [...head, ...kept, note, ...tail], overflow };
}

/**
 * At most 10 fields per section and about one section's worth of text, so a few long values do not
 * make a whole group too big for the text budget and get dropped together.
 */
function fieldGroups(fields: readonly ReplyField[]): Mrkdwn[][] {
  const groups: Mrkdwn[][] = [];
  let current: Mrkdwn[] = [];
  let size = 0;
  for (const f of fields) {
    const text = cut(`*${mrkdwnText(f.label)}*\n${mrkdwnText(f.value)}`, LIMITS.fieldText);
    if (
      current.length === LIMITS.fieldsPerSection ||
      (current.length > 0 && size + text.length > LIMITS.text)
    ) {
      groups.push(current);
      current = [];
      size = 0;
    }
    current.push(mrkdwn(text));
    size += text.length;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/** True when a part other than the table is shortened in place (title, field), so the file is needed. */
function isLossy(reply: Reply, emoji: string): boolean {
  if (reply.title && reply.title.length + (emoji ? emoji.length + 1 : 0) > LIMITS.header) return true;
  for (const f of reply.fields ?? []) {
    if (mrkdwnText(f.label).length + mrkdwnText(f.value).length + 3 > LIMITS.fieldText) return true;
  }
  return false;
}

function fallbackText(reply: Reply): string {
  const parts = [reply.title, reply.text].filter((s): s is string => Boolean(s));
  if (parts.length === 0 && reply.progress) parts.push(reply.progress.step);
  return cut(mrkdwnText(parts.join(": ") || "(no text)"), LIMITS.fallbackText);
}

function progressBlock(fraction: number, step: string): Block {
  const f = clampFraction(fraction);
  const filled = Math.round(f * BAR_CELLS);
  const bar = `${"█".repeat(filled)}${"░".repeat(BAR_CELLS - filled)}`;
  const prefix = `\`${bar}\` ${Math.round(f * 100)}%`;
  return section(step ? `${prefix} · ${cut(mrkdwnText(step), LIMITS.text - prefix.length - 3)}` : prefix);
}

function mrkdwn(text: string): Mrkdwn {
  return { type: "mrkdwn", text };
}
function section(text: string): Block {
  return { type: "section", text: mrkdwn(text) };
}
function context(text: string): Block {
  return { type: "context", elements: [mrkdwn(cut(text, LIMITS.text))] };
}
function codeSection(lines: readonly string[]): Block {
  return section(`\`\`\`\n${lines.join("\n")}\n\`\`\``);
}

/** Characters of visible text in blocks, for the total-text budget. */
export function textSize(blocks: readonly Block[]): number {
  let n = 0;
  for (const b of blocks) {
    if (b.type === "header") n += b.text.text.length;
    else if (b.type === "section")
      n += "text" in b ? b.text.text.length : b.fields.reduce((s, f) => s + f.text.length, 0);
    else if (b.type === "context") n += b.elements.reduce((s, e) => s + e.text.length, 0);
    else n += b.elements.reduce((s, e) => s + e.text.text.length, 0);
  }
  return n;
}
