/**
 * Text for places that show no markup: confirmation dialogs, button labels, headers (Slack plain_text,
 * a terminal prompt). Services write the same strings for both kinds of place, so markdown meant for a
 * message body is taken out here instead of showing as ``double backticks`` or *stars*.
 */
import { plainMentions } from "../../services/vocabulary/mention.js";

/** Inline code, bold, italics and strike-through markers removed; mentions as `@name`. */
export function withoutMarkdown(text: string): string {
  return plainMentions(text)
    .replace(/`+([^`]*)`+/g, "$1")
    .replace(/`/g, "")
    .replace(/\*{1,2}(\S(?:[^*\n]*?\S)?)\*{1,2}/g, "$1")
    .replace(/(^|[\s(])_([^_\n]+)_(?=$|[\s).,;:!?])/g, "$1$2")
    .replace(/(^|[\s(])~([^~\n]+)~(?=$|[\s).,;:!?])/g, "$1$2");
}

// A Slack emoji code (:white_check_mark:) or a pictographic character such as ✅ ⚠ ✔ ❌ at the start.
const LEADING_ICON = /^\s*(?::[a-z0-9_+'-]+:|\p{Extended_Pictographic}|[✓✔✗✘✖])/u;

/**
 * True when the text already starts with an icon: the renderer then adds no tone icon of its own, so an
 * outcome card never shows two.
 */
export function startsWithIcon(text: string): boolean {
  return LEADING_ICON.test(text);
}
