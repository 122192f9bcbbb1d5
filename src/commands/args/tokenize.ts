/**
 * Splits command text into tokens the way a shell user expects: whitespace separates, single and double
 * quotes group, backslash escapes the next character (outside single quotes). Chat clients often replace
 * straight quotes with typographic ones (“ ” ‘ ’), so those are treated as their straight forms.
 */

export type TokenizeResult = { ok: true; tokens: string[] } | { ok: false; message: string };

const TYPOGRAPHIC: Record<string, string> = { "\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'" };

/** Longest input accepted; chat platforms cap command text well below this. */
export const MAX_COMMAND_LENGTH = 4000;

export function tokenize(input: string): TokenizeResult {
  if (input.length > MAX_COMMAND_LENGTH) {
    return {
      ok: false,
      message: `command text is too long (${input.length} characters; at most ${MAX_COMMAND_LENGTH})`,
    };
  }
  const tokens: string[] = [];
  let current = "";
  let inToken = false;
  let quote: '"' | "'" | undefined;
  let quoteStart = 0;
  const chars = [...input];
  for (let i = 0; i < chars.length; i++) {
    const raw = chars[i]!;
    const ch = TYPOGRAPHIC[raw] ?? raw;
    if (quote) {
      if (ch === quote) {
        quote = undefined;
      } else if (ch === "\\" && quote === '"' && i + 1 < chars.length) {
        current += chars[++i];
      } else {
        current += raw;
      }
      continue;
    }
    if (ch === '"' || ch === "'") {
      quote = ch;
      quoteStart = i;
      inToken = true;
    } else if (ch === "\\") {
      if (i + 1 < chars.length) current += chars[++i];
      inToken = true;
    } else if (/\s/.test(ch)) {
      if (inToken) tokens.push(current);
      current = "";
      inToken = false;
    } else {
      current += raw;
      inToken = true;
    }
  }
  if (quote) {
    return {
      ok: false,
      message: `unterminated ${quote === '"' ? "double" : "single"} quote at character ${quoteStart + 1}`,
    };
  }
  if (inToken) tokens.push(current);
  return { ok: true, tokens };
}
