/**
 * The interaction responses that answer a click on a button with a click step (custom-id.ts): a modal
 * (callback type 9) for a form, an ephemeral confirmation (type 4) for a confirm or danger button. Their
 * own custom ids are the button's without the step mark, so the submit or the confirming click verifies
 * like a plain click and reaches the dispatcher as the button's action.
 */
import type { ReplyPrompt } from "../../../services/vocabulary/reply.js";
import { cut } from "../../chat-kit/cut.js";
import { withoutStep } from "./custom-id.js";
import { EPHEMERAL, LIMITS } from "./limits.js";
import { plainWithin as plain, TONE_COLOR } from "./text.js";
import type { ActionRow, Button, ClickStep, Embed, TextInput } from "./types.js";

/** The custom id of a confirmation's cancel button: the adapter answers it by closing the confirmation. */
export const CONFIRM_CANCEL_ID = "pve:cancel";

export interface ModalResponse {
  type: 9;
  data: { custom_id: string; title: string; components: ActionRow<TextInput>[] };
}

export interface ConfirmationResponse {
  type: 4;
  data: { embeds: Embed[]; components: ActionRow<Button>[]; flags: number };
}

export interface CancelledResponse {
  type: 7;
  data: { content: string; embeds: []; components: [] };
}

/** What the click on the button `customId` is answered with. */
export function clickStepResponse(step: ClickStep, customId: string): ModalResponse | ConfirmationResponse {
  return step.kind === "prompt" ? promptModal(step.prompt, customId) : confirmation(step, customId);
}

/** A modal of at most five text inputs; each answer comes back under its field id. */
function promptModal(prompt: ReplyPrompt, customId: string): ModalResponse {
  const components = prompt.fields.slice(0, LIMITS.modalInputs).map((f): ActionRow<TextInput> => {
    const input: TextInput = {
      type: 4,
      custom_id: cut(f.id, LIMITS.customId),
      style: f.multiline ? 2 : 1,
      label: plain(f.label, LIMITS.inputLabel),
      required: f.required ?? true,
    };
    if (f.placeholder) input.placeholder = plain(f.placeholder, LIMITS.inputPlaceholder);
    const max = f.maxLength ? Math.min(Math.max(1, f.maxLength), LIMITS.inputValue) : undefined;
    if (max) input.max_length = max;
    if (f.initial) input.value = f.initial.slice(0, max ?? LIMITS.inputValue);
    return { type: 1, components: [input] };
  });
  return {
    type: 9,
    data: { custom_id: withoutStep(customId), title: plain(prompt.title, LIMITS.modalTitle), components },
  };
}

function confirmation(step: Extract<ClickStep, { kind: "confirm" }>, customId: string): ConfirmationResponse {
  const { confirm } = step;
  const go: Button = {
    type: 2,
    style: step.danger ? 4 : 1,
    label: plain(confirm.confirm, LIMITS.buttonLabel),
    custom_id: withoutStep(customId),
  };
  const back: Button = {
    type: 2,
    style: 2,
    label: plain(confirm.deny, LIMITS.buttonLabel),
    custom_id: CONFIRM_CANCEL_ID,
  };
  return {
    type: 4,
    data: {
      embeds: [
        {
          title: plain(confirm.title, LIMITS.title),
          description: cut(confirm.text, LIMITS.description),
          color: step.danger ? TONE_COLOR.danger : TONE_COLOR.warning,
        },
      ],
      components: [{ type: 1, components: [go, back] }],
      flags: EPHEMERAL,
    },
  };
}

/** The confirmation, once its cancel button was clicked: nothing was done. */
export function cancelledResponse(): CancelledResponse {
  return { type: 7, data: { content: "Cancelled; nothing was done.", embeds: [], components: [] } };
}
