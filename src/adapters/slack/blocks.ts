/**
 * Renders the platform-neutral Reply as Block Kit within Slack's limits. Order: header, progress, text,
 * fields, table, code, then the cut note, the error code and the buttons. Content that does not fit (block
 * count or the total text budget) is dropped whole-chunk from the end, replaced by a visible
 * "… N more" note, and the uncut text is returned as `overflow` for the adapter to attach as a file.
 */
import type { Reply, ReplyButton, ReplyField, Tone } from "../../services/vocabulary/reply.js";
import type { ButtonSigner } from "../chat-kit/button-signer.js";
import { chunkLines, cut, escapeMrkdwn, LIMITS } from "./limits.js";
import { clampFraction, fileNameFor, fullText, MESSAGE_CELL_WIDTH, slackTableLines } from "./plaintext.js";

export interface PlainText {
  type: "plain_text";
  text: string;
  emoji?: boolean;
}
export interface Mrkdwn {
  type: "mrkdwn";
  text: string;
}
export interface ButtonElement {
  type: "button";
  text: PlainText;
  action_id: string;
  value: string;
  style?: "primary" | "danger";
  confirm?: { title: PlainText; text: PlainText; confirm: PlainText; deny: PlainText; style?: "danger" };
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
  /** Present when content was cut; the adapter attaches it as a file. */
  overflow?: Overflow;
}

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
  const emoji = reply.tone ? TONE_EMOJI[reply.tone] : "";
  const head: Block[] = [];
  if (reply.title) {
    const title = emoji ? `${emoji} ${reply.title}` : reply.title;
    head.push({ type: "header", text: { type: "plain_text", text: cut(title, LIMITS.header), emoji: true } });
  }
  if (reply.progress) head.push(progressBlock(reply.progress.fraction, reply.progress.step));

  const body: Chunk[] = [];
  if (reply.text) {
    const text = !reply.title && emoji ? `${emoji} ${reply.text}` : reply.text;
    for (const group of chunkLines(escapeMrkdwn(text).split("\n"), LIMITS.text)) {
      body.push({ block: section(group.join("\n")), kind: "lines", count: group.length });
    }
  }
  for (const group of fieldGroups(reply.fields ?? [])) {
    body.push({ block: { type: "section", fields: group }, kind: "fields", count: group.length });
  }
  if (reply.table) {
    const [header = "", rule = "", ...rows] = slackTableLines(reply.table, MESSAGE_CELL_WIDTH).map(
      escapeMrkdwn,
    );
    const groups = chunkLines(rows, LIMITS.text - FENCE - header.length - rule.length - 2);
    if (groups.length === 0) body.push({ block: codeSection([header, rule]), count: 0 });
    for (const g of groups)
      body.push({ block: codeSection([header, rule, ...g]), kind: "rows", count: g.length });
    if (reply.table.footer) body.push({ block: context(escapeMrkdwn(reply.table.footer)), count: 0 });
  }
  if (reply.code) {
    for (const g of chunkLines(escapeMrkdwn(reply.code).split("\n"), LIMITS.text - FENCE)) {
      body.push({ block: codeSection(g), kind: "code lines", count: g.length });
    }
  }

  const tail: Block[] = [];
  if (reply.errorCode) tail.push(context(`code \`${escapeMrkdwn(reply.errorCode)}\``));
  const { blocks: actionBlocks, dropped: droppedButtons } = actionsBlocks(reply.buttons ?? [], signer);
  if (droppedButtons > 0) tail.push(context(`… ${droppedButtons} more buttons not shown`));
  tail.push(...actionBlocks);

  const lossy = isLossy(reply, emoji);
  const fixedBlocks = head.length + tail.length;
  const fixedChars = textSize(head) + textSize(tail);
  const bodyChars = body.reduce((n, c) => n + textSize([c.block]), 0);
  const fits = fixedBlocks + body.length <= LIMITS.blocks && fixedChars + bodyChars <= LIMITS.totalText;
  const fallback = fallbackText(reply);
  if (fits && !lossy) return { text: fallback, blocks: [...head, ...body.map((c) => c.block), ...tail] };

  const filename = fileNameFor(reply);
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
  return {
    text: fallback,
    blocks: [...head, ...kept, note, ...tail],
    overflow: { filename, title: reply.title ?? "Full reply", content: fullText(reply) },
  };
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
    const text = cut(`*${escapeMrkdwn(f.label)}*\n${escapeMrkdwn(f.value)}`, LIMITS.fieldText);
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

/** True when a part is shortened in place (title, field, table cell), so the file is needed to see it all. */
function isLossy(reply: Reply, emoji: string): boolean {
  if (reply.title && reply.title.length + (emoji ? emoji.length + 1 : 0) > LIMITS.header) return true;
  for (const f of reply.fields ?? []) {
    if (escapeMrkdwn(f.label).length + escapeMrkdwn(f.value).length + 3 > LIMITS.fieldText) return true;
  }
  const cells = [...(reply.table?.columns ?? []), ...(reply.table?.rows.flat() ?? [])];
  return cells.some((c) => c.length > MESSAGE_CELL_WIDTH || c.includes("\n"));
}

function fallbackText(reply: Reply): string {
  const parts = [reply.title, reply.text].filter((s): s is string => Boolean(s));
  if (parts.length === 0 && reply.progress) parts.push(reply.progress.step);
  return cut(escapeMrkdwn(parts.join(": ") || "(no text)"), LIMITS.fallbackText);
}

function progressBlock(fraction: number, step: string): Block {
  const f = clampFraction(fraction);
  const filled = Math.round(f * BAR_CELLS);
  const bar = `${"█".repeat(filled)}${"░".repeat(BAR_CELLS - filled)}`;
  const prefix = `\`${bar}\` ${Math.round(f * 100)}%`;
  return section(step ? `${prefix} · ${cut(escapeMrkdwn(step), LIMITS.text - prefix.length - 3)}` : prefix);
}

function actionsBlocks(
  buttons: readonly ReplyButton[],
  signer: ButtonSigner,
): { blocks: Block[]; dropped: number } {
  /** Two rows of buttons is already more than a person reads; more would crowd out the content. */
  const max = LIMITS.actionsPerBlock * 2;
  const taken = new Set<string>();
  const elements = buttons.slice(0, max).map((b) => {
    const ids = signer.sign(b.id, taken);
    taken.add(ids.actionId);
    return buttonElement(b, ids.actionId, ids.value);
  });
  const blocks: Block[] = [];
  for (let i = 0; i < elements.length; i += LIMITS.actionsPerBlock) {
    blocks.push({ type: "actions", elements: elements.slice(i, i + LIMITS.actionsPerBlock) });
  }
  return { blocks, dropped: Math.max(0, buttons.length - max) };
}

function buttonElement(b: ReplyButton, actionId: string, value: string): ButtonElement {
  const el: ButtonElement = {
    type: "button",
    text: plain(cut(b.label, LIMITS.buttonText)),
    action_id: actionId,
    value,
  };
  if (b.style) el.style = b.style;
  const confirm =
    b.confirm ??
    (b.style === "danger"
      ? {
          title: "Are you sure?",
          text: `${b.label}: this cannot be undone.`,
          confirm: b.label,
          deny: "Cancel",
        }
      : undefined);
  if (confirm) {
    el.confirm = {
      title: plain(cut(confirm.title, LIMITS.confirmTitle)),
      text: plain(cut(confirm.text, LIMITS.confirmText)),
      confirm: plain(cut(confirm.confirm, LIMITS.confirmButton)),
      deny: plain(cut(confirm.deny, LIMITS.confirmButton)),
    };
    if (b.style === "danger") el.confirm.style = "danger";
  }
  return el;
}

function plain(text: string): PlainText {
  return { type: "plain_text", text, emoji: true };
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
