/**
 * A button's form (`ReplyButton.prompt`) in the console. The `:click` line carries the answers: `name=value`
 * pairs (`:click 4 duration=2h comment=rack move`), or, without any `=`, the whole text answers the first
 * field (`:click 2 not today` for a deny reason). Only a bare `:click n` at a TTY asks each field on its own
 * line; in a script a bare click names the first required field that is missing.
 */
import type { ReplyPrompt } from "../../services/vocabulary/reply.js";

export type FormAnswers = { ok: true; values: Record<string, string> } | { ok: false; message: string };

/** Answers from a script's `:click` text. */
export function answersFromText(prompt: ReplyPrompt, text: string | undefined): FormAnswers {
  const values: Record<string, string> = {};
  const trimmed = (text ?? "").trim();
  const ids = new Set(prompt.fields.map((f) => f.id));
  const pairs = [...trimmed.matchAll(/(?:^|\s)([A-Za-z0-9_-]+)=/g)].filter((m) => ids.has(m[1]!));
  if (pairs.length === 0 && trimmed !== "") values[prompt.fields[0]!.id] = trimmed;
  pairs.forEach((m, i) => {
    const start = m.index! + m[0].length;
    const end = i + 1 < pairs.length ? pairs[i + 1]!.index! : trimmed.length;
    const answer = trimmed.slice(start, end).trim();
    if (answer !== "") values[m[1]!] = answer;
  });
  return complete(prompt, values);
}

/** Answers asked one by one at a TTY; `ask` returns what was typed. */
export async function answersAsked(
  prompt: ReplyPrompt,
  ask: (question: string) => Promise<string>,
): Promise<FormAnswers> {
  const values: Record<string, string> = {};
  for (const field of prompt.fields) {
    const optional = field.required === false ? " (optional)" : "";
    const hint = field.placeholder ? ` [e.g. ${field.placeholder}]` : "";
    const answer = (await ask(`${prompt.title} · ${field.label}${optional}${hint}: `)).trim();
    if (answer !== "") values[field.id] = answer;
  }
  return complete(prompt, values);
}

/** Required fields answered and every answer within its length, or the first problem. */
function complete(prompt: ReplyPrompt, values: Record<string, string>): FormAnswers {
  for (const field of prompt.fields) {
    const answer = values[field.id];
    if (answer === undefined && field.required !== false) {
      return { ok: false, message: `${field.label} is required (:click <n> ${field.id}=…)` };
    }
    if (answer !== undefined && field.maxLength !== undefined && answer.length > field.maxLength) {
      return { ok: false, message: `${field.label} is at most ${field.maxLength} characters` };
    }
  }
  return { ok: true, values };
}
