/**
 * Reply text as Discord shows it. Services write markdown Discord also reads (inline code, `*emphasis*`,
 * code blocks), so text passes as it is; mention tokens become Discord mentions where the id is a Discord
 * snowflake and the person's name elsewhere. Code blocks cannot hold three backticks in a row, so a
 * backtick inside one is shown as a look-alike.
 */
import { type Mention, renderMentions } from "../../../services/vocabulary/mention.js";
import type { Tone } from "../../../services/vocabulary/reply.js";
import { cut } from "../../chat-kit/cut.js";
import { withoutMarkdown } from "../../chat-kit/plain.js";
import { LIMITS } from "./limits.js";
import type { AllowedMentions } from "./types.js";

const SNOWFLAKE = /^\d{15,21}$/;

/** The colour bar of each tone: blue, green, amber, red. */
export const TONE_COLOR: Record<Tone, number> = {
  info: 0x3b82f6,
  success: 0x22c55e,
  warning: 0xf59e0b,
  danger: 0xef4444,
};

function discordMention(m: Mention): string | undefined {
  if (m.platform !== "discord" || !SNOWFLAKE.test(m.id)) return undefined;
  return m.kind === "user" ? `<@${m.id}>` : `<@&${m.id}>`;
}

/** Text for a description or a field value: mention tokens as `<@id>` / `<@&id>` or `@name`. */
export function discordText(text: string): string {
  return renderMentions(text, (m) => discordMention(m) ?? `@${m.name || m.id}`);
}

/**
 * The Discord mentions in `texts`, once each and in order, with the ids they may ping: mentions inside an
 * embed are shown but never notify, so the message's content repeats them.
 */
export function mentionsOf(texts: readonly string[]): { line: string; allowed: AllowedMentions } {
  const users: string[] = [];
  const roles: string[] = [];
  for (const text of texts) {
    renderMentions(text, (m) => {
      if (discordMention(m)) {
        const list = m.kind === "user" ? users : roles;
        if (!list.includes(m.id)) list.push(m.id);
      }
      return "";
    });
  }
  const line = [...users.map((id) => `<@${id}>`), ...roles.map((id) => `<@&${id}>`)].join(" ");
  const allowed: AllowedMentions = { parse: [] };
  if (users.length > 0) allowed.users = users.slice(0, LIMITS.allowedMentionIds);
  if (roles.length > 0) allowed.roles = roles.slice(0, LIMITS.allowedMentionIds);
  return { line, allowed };
}

/** A line of a code block: backticks shown as `ˋ`, so a value cannot close the block. */
export function codeLine(line: string): string {
  return line.replaceAll("`", "ˋ");
}

/** Lines as a fenced code block. */
export function codeBlock(lines: readonly string[]): string {
  return `\`\`\`\n${lines.join("\n")}\n\`\`\``;
}

/**
 * Text for places that show no markdown or mentions (button labels, modal titles and labels, embed
 * footers): markup taken out, never empty, within `max`.
 */
export function plainWithin(text: string, max: number): string {
  return cut(withoutMarkdown(text).trim() || text.trim() || "…", max);
}
