/**
 * Renders the platform-neutral Reply as one Discord message: an embed (colour by tone, title, description,
 * fields, footer with the context line and error code) and action rows of buttons, within Discord's limits.
 * The people mentioned are named again in `content`, the only place where a mention notifies. Whenever the
 * message leaves something out (rows beyond the page, cells cut to fit, text, fields or code over the
 * limits), the whole reply goes along as a file and the message says so.
 */
import { plainMentions } from "../../../services/vocabulary/mention.js";
import type { Reply, ReplyField } from "../../../services/vocabulary/reply.js";
import type { ButtonSigner } from "../../chat-kit/button-signer.js";
import { cut } from "../../chat-kit/cut.js";
import { fileNameFor, fullText } from "../../chat-kit/full-text.js";
import { buttonRows } from "./buttons.js";
import { buildDescription } from "./description.js";
import { EPHEMERAL, LIMITS } from "./limits.js";
import { discordText, mentionsOf, plainWithin, TONE_COLOR } from "./text.js";
import type { DiscordMessage, Embed, EmbedField } from "./types.js";

/** Room kept in the description for the cut note. */
const NOTE_ROOM = 200;
/** A field this short sits next to others instead of taking a line. */
const INLINE_VALUE = 40;
/** Shown for an empty field name or value, which Discord refuses. */
const BLANK = "\u200b";

export function renderReply(reply: Reply, signer: ButtonSigner): DiscordMessage {
  const filename = fileNameFor(reply);
  let lossy = false;
  const embed: Embed = {};
  if (reply.tone) embed.color = TONE_COLOR[reply.tone];
  if (reply.title) {
    const title = plainMentions(reply.title).replaceAll("\n", " ").trim() || reply.title;
    embed.title = cut(title, LIMITS.title);
    lossy ||= embed.title !== title;
  }

  const buttons = buttonRows(reply.buttons ?? [], reply.links ?? [], signer);
  const footerParts: string[] = [];
  if (reply.context) footerParts.push(plainWithin(reply.context.replaceAll("\n", " "), LIMITS.footer));
  if (reply.errorCode) footerParts.push(`code ${reply.errorCode}`);
  if (buttons.dropped > 0) footerParts.push(`${buttons.dropped} more buttons not shown`);
  const footer = footerParts.length > 0 ? cut(footerParts.join(" · "), LIMITS.footer) : undefined;
  lossy ||= footer !== undefined && footer !== footerParts.join(" · ");

  const fields = (reply.fields ?? []).map(field);
  lossy ||= fields.some((f, i) => f.cut || i >= LIMITS.fields);
  const budget = LIMITS.embedTotal - (embed.title?.length ?? 0) - (footer?.length ?? 0) - NOTE_ROOM;
  const fieldsSize = fields.reduce((n, f) => n + f.name.length + f.value.length, 0);
  const descBudget = Math.min(LIMITS.description - NOTE_ROOM, Math.max(budget - fieldsSize, budget / 2));
  const desc = buildDescription(reply, Math.floor(descBudget), filename);

  let fieldRoom = budget - desc.text.length;
  const kept: EmbedField[] = [];
  for (const f of fields.slice(0, LIMITS.fields)) {
    if (f.name.length + f.value.length > fieldRoom) break;
    fieldRoom -= f.name.length + f.value.length;
    kept.push({ name: f.name, value: f.value, ...(f.inline ? { inline: true } : {}) });
  }
  const droppedFields = fields.length - kept.length;
  if (droppedFields > 0) desc.dropped.set("fields", droppedFields);

  // The table's own note already names the file when only the table's rules (page, width) left rows out.
  const counts = [...desc.dropped].map(([kind, n]) => (n > 0 ? `${n} more ${kind}` : kind));
  if (lossy && counts.length === 0) counts.push("some values shortened");
  let description = desc.text;
  if (counts.length > 0) {
    const note = `… ${counts.join(", ")}; the full text is attached as \`${filename}\``;
    description = description ? `${description}\n\n${note}` : note;
  }
  lossy ||= desc.tableLossy || counts.length > 0;
  if (description) embed.description = description;
  if (kept.length > 0) embed.fields = kept;
  if (footer) embed.footer = { text: footer };
  if (!embed.title && !embed.description && kept.length === 0) embed.description = "(no text)";

  const mentionTexts = [reply.title, reply.text, ...(reply.fields ?? []).flatMap((f) => [f.label, f.value])];
  const mentions = mentionsOf(mentionTexts.filter((t): t is string => Boolean(t)));
  const message: DiscordMessage = {
    embeds: [embed],
    components: buttons.rows,
    allowed_mentions: mentions.allowed,
  };
  if (mentions.line) message.content = wordsWithin(mentions.line, LIMITS.content);
  if (reply.visibility === "ephemeral") message.flags = EPHEMERAL;
  if (lossy) message.files = [{ name: filename, content: fullText(reply) }];
  if (Object.keys(buttons.steps).length > 0) message.clickSteps = buttons.steps;
  return message;
}

interface RenderedField extends EmbedField {
  /** True when the name or value had to be shortened. */
  cut: boolean;
}

function field(f: ReplyField): RenderedField {
  const label = plainMentions(f.label).replaceAll("\n", " ").trim();
  const value = discordText(f.value).trim();
  const name = cut(label, LIMITS.fieldName) || BLANK;
  const shown = cut(value, LIMITS.fieldValue) || BLANK;
  const inline = value.length <= INLINE_VALUE && !value.includes("\n");
  return { name, value: shown, inline, cut: name.length < label.length || shown.length < value.length };
}

/** The space-separated words of `line` that fit in `max`, never half a mention. */
function wordsWithin(line: string, max: number): string {
  let out = "";
  for (const word of line.split(" ")) {
    if (out.length + word.length + 1 > max) break;
    out = out ? `${out} ${word}` : word;
  }
  return out;
}

/**
 * The JSON body of a message (create, edit, interaction response data): the message without what the
 * adapter sends beside it, with the attachment entries that the uploaded files fill.
 */
export function messageBody(message: DiscordMessage): Record<string, unknown> {
  const { files, clickSteps: _steps, ...body } = message;
  if (!files?.length) return body;
  return { ...body, attachments: files.map((f, i) => ({ id: String(i), filename: f.name })) };
}
