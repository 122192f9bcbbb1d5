/**
 * Action buttons (signed custom ids) and link buttons (a URL Discord opens itself) in action rows: at most
 * five per row and five rows. A button with a confirmation (or any danger button) or with a form gets a
 * click step: Discord has no confirmation dialog, so the click is first answered with one (see modal.ts).
 */
import type { ReplyButton, ReplyLink } from "../../../services/vocabulary/reply.js";
import type { ButtonSigner } from "../../chat-kit/button-signer.js";
import { signedCustomId } from "./custom-id.js";
import { LIMITS } from "./limits.js";
import { plainWithin } from "./text.js";
import type { ActionRow, Button, ClickStep } from "./types.js";

const MAX_BUTTONS = LIMITS.rows * LIMITS.buttonsPerRow;

export interface RenderedButtons {
  rows: ActionRow<Button>[];
  steps: Record<string, ClickStep>;
  /** Buttons and links left out because the rows were full (or the link was not an http(s) URL). */
  dropped: number;
}

export function buttonRows(
  buttons: readonly ReplyButton[],
  links: readonly ReplyLink[],
  signer: ButtonSigner,
): RenderedButtons {
  const usable = links.filter((l) => /^https?:\/\/\S+$/.test(l.url) && l.url.length <= LIMITS.linkUrl);
  const room = Math.max(0, MAX_BUTTONS - Math.min(usable.length, MAX_BUTTONS));
  const taken = new Set<string>();
  const steps: Record<string, ClickStep> = {};
  const actions = buttons.slice(0, room).map((b): Button => {
    const label = plainWithin(b.label, LIMITS.buttonLabel);
    const step = clickStep(b, label);
    const customId = signedCustomId(signer, b.id, step?.kind ?? "none", taken);
    if (step) steps[customId] = step;
    return {
      type: 2,
      style: b.style === "danger" ? 4 : b.style === "primary" ? 1 : 2,
      label,
      custom_id: customId,
    };
  });
  const linkButtons = usable
    .slice(0, MAX_BUTTONS - actions.length)
    .map((l): Button => ({ type: 2, style: 5, label: plainWithin(l.label, LIMITS.buttonLabel), url: l.url }));
  const all = [...actions, ...linkButtons];
  const rows: ActionRow<Button>[] = [];
  for (let i = 0; i < all.length; i += LIMITS.buttonsPerRow) {
    rows.push({ type: 1, components: all.slice(i, i + LIMITS.buttonsPerRow) });
  }
  return { rows, steps, dropped: buttons.length + links.length - all.length };
}

/** A danger button without its own confirmation still asks, as on Slack. A form takes precedence. */
function clickStep(b: ReplyButton, label: string): ClickStep | undefined {
  if (b.prompt) return { kind: "prompt", prompt: b.prompt };
  const confirm =
    b.confirm ??
    (b.style === "danger"
      ? { title: "Are you sure?", text: `${label}: this cannot be undone.`, confirm: label, deny: "Back" }
      : undefined);
  return confirm ? { kind: "confirm", label, danger: b.style === "danger", confirm } : undefined;
}
