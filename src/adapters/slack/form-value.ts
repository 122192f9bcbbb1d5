/**
 * A button's form travels in its value next to the signed part (`<signed value>~<form>`), so the click can
 * open the form at once, without a store. Kept apart from buttons.ts and prompts.ts so both can use it.
 */
import { z } from "zod";
import type { ReplyPrompt } from "../../services/vocabulary/reply.js";

/** Between the signed value and the form in a button's value; not in base64url's alphabet. */
const FORM_MARK = "~";
/** Slack's plain_text_input holds at most this many characters. */
const INPUT_MAX = 3000;

const promptSchema = z.object({
  title: z.string().max(200),
  submit: z.string().max(200),
  fields: z
    .array(
      z.object({
        id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
        label: z.string().max(500),
        placeholder: z.string().max(500).optional(),
        multiline: z.boolean().optional(),
        required: z.boolean().optional(),
        initial: z.string().max(3000).optional(),
        maxLength: z.number().int().positive().max(INPUT_MAX).optional(),
      }),
    )
    .min(1)
    .max(5),
});

/** A button's value with its form attached. */
export function withForm(value: string, prompt: ReplyPrompt): string {
  return `${value}${FORM_MARK}${Buffer.from(JSON.stringify(prompt)).toString("base64url")}`;
}

/** The signed value and, when the button had one, its form; a form that does not parse is none. */
export function splitForm(value: string | undefined): { value: string | undefined; prompt?: ReplyPrompt } {
  if (value === undefined || !value.includes(FORM_MARK)) return { value };
  const [signed, encoded] = value.split(FORM_MARK, 2) as [string, string];
  try {
    const parsed = promptSchema.safeParse(JSON.parse(Buffer.from(encoded, "base64url").toString("utf8")));
    return parsed.success ? { value: signed, prompt: parsed.data } : { value: signed };
  } catch {
    return { value: signed };
  }
}
