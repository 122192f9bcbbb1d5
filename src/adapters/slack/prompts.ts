/**
 * Buttons with a form (`ReplyButton.prompt`) as Slack modals. The button carries its form next to the
 * signed value (form-value.ts), so a click opens the modal with the click's trigger_id (valid
 * for 3 s) without asking anything stored. The modal carries the click in its private_metadata (signed
 * action id and value, channel, message, response_url); its submission is checked again like a click and
 * becomes the ActionEvent with the answers in `values`. The form itself is not signed: it only shapes what
 * is asked; the action id it leads to is, and the dispatcher checks the answers.
 */
import { z } from "zod";
import type { ReplyPrompt } from "../../services/vocabulary/reply.js";
import { plain } from "./buttons.js";
import { cut } from "./limits.js";

/** The modal's callback id: the adapter's view handler listens for it. */
export const PROMPT_CALLBACK = "pve-prompt";
/** Slack's modal limits (Block Kit reference: views, input block, plain_text_input). */
export const MODAL_LIMITS = {
  title: 24,
  submit: 24,
  label: 2000,
  placeholder: 150,
  privateMetadata: 3000,
} as const;

/** What the modal remembers of the click that opened it. */
export interface PromptOrigin {
  actionId: string;
  value: string;
  channelId: string;
  messageTs: string;
  responseUrl?: string;
  ephemeral?: boolean;
}

const originSchema = z.object({
  actionId: z.string().max(255),
  value: z.string().max(2000),
  channelId: z.string().max(64),
  messageTs: z.string().max(64),
  responseUrl: z.string().max(1000).optional(),
  ephemeral: z.boolean().optional(),
});

export function originOf(privateMetadata: string | undefined): PromptOrigin | undefined {
  try {
    const parsed = originSchema.safeParse(JSON.parse(privateMetadata ?? ""));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The modal for `views.open`. */
export function promptView(prompt: ReplyPrompt, origin: PromptOrigin): Record<string, unknown> {
  const metadata = JSON.stringify(origin);
  if (metadata.length > MODAL_LIMITS.privateMetadata) {
    throw new RangeError(
      `the form's origin is ${metadata.length} characters; Slack keeps ${MODAL_LIMITS.privateMetadata}`,
    );
  }
  return {
    type: "modal",
    callback_id: PROMPT_CALLBACK,
    private_metadata: metadata,
    title: plain(cut(prompt.title, MODAL_LIMITS.title)),
    submit: plain(cut(prompt.submit, MODAL_LIMITS.submit)),
    close: plain("Cancel"),
    blocks: prompt.fields.map((f) => ({
      type: "input",
      block_id: f.id,
      optional: f.required === false,
      label: plain(cut(f.label, MODAL_LIMITS.label)),
      element: {
        type: "plain_text_input",
        action_id: "answer",
        multiline: f.multiline === true,
        ...(f.placeholder ? { placeholder: plain(cut(f.placeholder, MODAL_LIMITS.placeholder)) } : {}),
        ...(f.initial ? { initial_value: f.initial } : {}),
        ...(f.maxLength ? { max_length: f.maxLength } : {}),
      },
    })),
  };
}

/** The submitted answers by field id; empty ones left out. */
export function answersOf(state: unknown): Record<string, string> {
  const values =
    (state as { values?: Record<string, Record<string, { value?: string | null }>> })?.values ?? {};
  const out: Record<string, string> = {};
  for (const [blockId, inputs] of Object.entries(values)) {
    const answer = inputs.answer?.value;
    if (typeof answer === "string" && answer.trim() !== "") out[blockId] = answer.trim();
  }
  return out;
}
