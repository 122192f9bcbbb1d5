/**
 * Action buttons (signed ids, confirmation dialogs) and link buttons (a URL opened by Slack itself) as
 * Block Kit. Dialog and label texts are plain_text, so markdown is taken out of them.
 */
import type { ReplyButton, ReplyLink } from "../../services/vocabulary/reply.js";
import type { ButtonSigner } from "../chat-kit/button-signer.js";
import { withoutMarkdown } from "../chat-kit/plain.js";
import { withForm } from "./form-value.js";
import { cut, LIMITS } from "./limits.js";

export interface PlainText {
  type: "plain_text";
  text: string;
  emoji?: boolean;
}
export interface ButtonElement {
  type: "button";
  text: PlainText;
  action_id: string;
  value?: string;
  url?: string;
  style?: "primary" | "danger";
  confirm?: { title: PlainText; text: PlainText; confirm: PlainText; deny: PlainText; style?: "danger" };
}

/**
 * Slack still sends a click on a link button to the app, which must ack it; this prefix (and the missing
 * value) tells the adapter the click needs nothing else.
 */
export const LINK_ACTION_PREFIX = "pve-link:";
/** Slack's limit on a button's url. */
const URL_MAX = 3000;

/** Two rows of buttons is already more than a person reads; more would crowd out the content. */
const MAX_BUTTONS = LIMITS.actionsPerBlock * 2;

export function buttonElements(
  buttons: readonly ReplyButton[],
  links: readonly ReplyLink[],
  signer: ButtonSigner,
): { elements: ButtonElement[]; dropped: number } {
  const usable = links.filter((l) => /^https?:\/\/\S+$/.test(l.url) && l.url.length <= URL_MAX);
  const linkEls = usable.map(
    (l, i): ButtonElement => ({
      type: "button",
      text: plain(cut(unmark(l.label), LIMITS.buttonText)),
      action_id: `${LINK_ACTION_PREFIX}${i}`,
      url: l.url,
    }),
  );
  const taken = new Set<string>(linkEls.map((l) => l.action_id));
  const room = Math.max(0, MAX_BUTTONS - linkEls.length);
  const actionEls = buttons.slice(0, room).map((b) => {
    const ids = signer.sign(b.id, taken);
    taken.add(ids.actionId);
    return buttonElement(b, ids.actionId, ids.value);
  });
  const elements = [...actionEls, ...linkEls].slice(0, MAX_BUTTONS);
  return { elements, dropped: buttons.length + links.length - elements.length };
}

function buttonElement(b: ReplyButton, actionId: string, value: string): ButtonElement {
  const label = unmark(b.label);
  const el: ButtonElement = {
    type: "button",
    text: plain(cut(label, LIMITS.buttonText)),
    action_id: actionId,
    value: b.prompt ? withForm(value, b.prompt) : value,
  };
  if (b.style) el.style = b.style;
  // A button with a form asks in its modal; a confirmation dialog before it would ask twice.
  if (b.prompt) return el;
  const confirm =
    b.confirm ??
    (b.style === "danger"
      ? { title: "Are you sure?", text: `${label}: this cannot be undone.`, confirm: label, deny: "Cancel" }
      : undefined);
  if (confirm) {
    el.confirm = {
      title: plain(cut(unmark(confirm.title), LIMITS.confirmTitle)),
      text: plain(cut(unmark(confirm.text), LIMITS.confirmText)),
      confirm: plain(cut(unmark(confirm.confirm), LIMITS.confirmButton)),
      deny: plain(cut(unmark(confirm.deny), LIMITS.confirmButton)),
    };
    if (b.style === "danger") el.confirm.style = "danger";
  }
  return el;
}

/** Markdown taken out; a text that was nothing but markup is kept as written rather than left empty. */
function unmark(text: string): string {
  return withoutMarkdown(text).trim() || text;
}

export function plain(text: string): PlainText {
  return { type: "plain_text", text, emoji: true };
}
