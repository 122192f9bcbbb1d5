/**
 * A small Reply → Discord message rendering the runtime uses until the full renderer (embeds by tone, tables
 * that fit, overflow as a file) takes its place: one embed with the title, the text and fields, and the
 * buttons in rows of five, each part cut to Discord's limits.
 */
import { renderMentions } from "../../services/vocabulary/mention.js";
import type { Reply, ReplyButton } from "../../services/vocabulary/reply.js";
import { tableLines } from "../chat-kit/table.js";

export interface DiscordMessageBody {
  content?: string;
  embeds: Record<string, unknown>[];
  components: Record<string, unknown>[];
}

/** Makes the custom_id of one action button; `taken` holds those already on the message. */
export type CustomIdMaker = (button: ReplyButton, taken: ReadonlySet<string>) => string;

const COLOURS = { info: 0x3b82f6, success: 0x22c55e, warning: 0xf59e0b, danger: 0xef4444 } as const;

const cut = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

function discordMentions(text: string): string {
  return renderMentions(text, (m) =>
    m.platform === "discord" ? (m.kind === "user" ? `<@${m.id}>` : `<@&${m.id}>`) : `@${m.name || m.id}`,
  );
}

export function renderInterim(reply: Reply, customId: CustomIdMaker): DiscordMessageBody {
  const parts: string[] = [];
  if (reply.text) parts.push(discordMentions(reply.text));
  if (reply.progress) parts.push(`${Math.round(reply.progress.fraction * 100)}% · ${reply.progress.step}`);
  if (reply.table)
    parts.push(`\`\`\`\n${tableLines(reply.table, { maxWidth: 60 }).slice(0, 40).join("\n")}\n\`\`\``);
  if (reply.code) parts.push(`\`\`\`\n${reply.code}\n\`\`\``);
  const embed: Record<string, unknown> = { color: COLOURS[reply.tone ?? "info"] };
  if (reply.title) embed.title = cut(discordMentions(reply.title), 256);
  if (parts.length > 0) embed.description = cut(parts.join("\n\n"), 4096);
  const fields = (reply.fields ?? []).slice(0, 25).map((f) => ({
    name: cut(f.label || "·", 256),
    value: cut(discordMentions(f.value) || "·", 1024),
    inline: true,
  }));
  if (fields.length > 0) embed.fields = fields;
  if (reply.context) embed.footer = { text: cut(discordMentions(reply.context), 2048) };
  const taken = new Set<string>();
  const buttons: Record<string, unknown>[] = (reply.buttons ?? []).map((b) => {
    const id = customId(b, taken);
    taken.add(id);
    return {
      type: 2,
      style: b.style === "danger" ? 4 : b.style === "primary" ? 1 : 2,
      label: cut(b.label, 80),
      custom_id: id,
    };
  });
  for (const link of reply.links ?? []) {
    if (/^https?:\/\/\S+$/.test(link.url))
      buttons.push({ type: 2, style: 5, label: cut(link.label, 80), url: link.url });
  }
  const components: Record<string, unknown>[] = [];
  for (let i = 0; i < Math.min(buttons.length, 25); i += 5) {
    components.push({ type: 1, components: buttons.slice(i, i + 5) });
  }
  const hasEmbed = Object.keys(embed).length > 1;
  return { embeds: hasEmbed ? [embed] : [], components, ...(hasEmbed ? {} : { content: "·" }) };
}
