/**
 * A slash command's path and typed options as the command text the dispatcher parses (`template build
 * ubuntu-24.04 --node pve1` from `/pve template build` with its options), so a Discord command runs through
 * the same parse, usage errors and audit as a typed one. Values are quoted so spaces and quotes survive the
 * tokenizer. The composition root may pass its own mapping (positional arguments in place) to the adapter.
 */
import type { RawOption } from "./interaction-types.js";

/** Builds the command text from the subcommand path and the options given to it. */
export type CommandTextBuilder = (path: readonly string[], options: readonly RawOption[]) => string;

/** Double quotes unless the value is one plain token; `"`, `\` and typographic double quotes escaped. */
export function quoteToken(value: string): string {
  if (/^[^\s"'\\\u201c\u201d\u2018\u2019]+$/.test(value) && !value.startsWith("--")) return value;
  return `"${value.replace(/["\\\u201c\u201d]/g, (c) => `\\${c}`)}"`;
}

/** Every option as a flag: `--name value`, or `--name` alone for a true boolean and nothing for a false one. */
export const optionsAsFlags: CommandTextBuilder = (path, options) => {
  const parts = [...path];
  for (const o of options) {
    if (o.value === undefined) continue;
    if (typeof o.value === "boolean") {
      parts.push(`--${o.name}=${o.value}`);
      continue;
    }
    parts.push(`--${o.name}`, quoteToken(String(o.value)));
  }
  return parts.join(" ");
};
