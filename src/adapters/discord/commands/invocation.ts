/**
 * A `/pve` interaction back into what the dispatcher takes: the dotted command, the command line a user
 * would have typed (flags first, then `--` and the positionals, values quoted where needed, so the text
 * command parser reads it exactly), and the options by schema key. The focused option of an autocomplete
 * interaction is named too.
 */
import { describeArgs, flagName, keyOfFlag } from "../../../commands/args/schema-shape.js";
import type { CommandDefinition } from "../../../commands/definition.js";
import { commandNameOf } from "./names.js";
import type { InteractionOption } from "./types.js";

export interface PveInvocation {
  /** Dotted name, e.g. `template.build`. */
  command: string;
  /** E.g. `template build --node pve1 -- ubuntu-24.04 debian-12`. */
  text: string;
  /** Option values by schema key, as Discord sent them. */
  args: Record<string, string | number | boolean>;
  /** The schema key of the option being typed (autocomplete interactions only). */
  focused?: { key: string; value: string };
}

/** undefined when the options name no registered command (an old registration, a forged payload). */
export function invocationOf(
  options: readonly InteractionOption[],
  defs: readonly CommandDefinition[],
): PveInvocation | undefined {
  const first = options[0];
  if (!first) return undefined;
  const group = first.type === 2 ? first.name : undefined;
  const sub = group ? first.options?.[0] : first;
  if (sub?.type !== 1) return undefined;
  const command = commandNameOf({ group, sub: sub.name }, defs);
  const def = defs.find((d) => d.name === command);
  if (!command || !def) return undefined;

  const shapes = new Map(describeArgs(def.args).map((s) => [s.key, s]));
  const positional = new Set((def.positionals ?? []).map((p) => p.name));
  const args: Record<string, string | number | boolean> = {};
  const flags: string[] = [];
  const given = new Map<string, string[]>();
  let focused: PveInvocation["focused"];
  for (const option of sub.options ?? []) {
    const key = keyOfFlag(option.name);
    const shape = shapes.get(key);
    if (!shape || option.value === undefined) continue;
    args[key] = option.value;
    if (option.focused) focused = { key, value: String(option.value) };
    const words =
      shape.kind === "list"
        ? String(option.value)
            .split(/[\s,]+/)
            .filter(Boolean)
        : [String(option.value)];
    if (positional.has(key)) given.set(key, words);
    else if (shape.kind === "boolean")
      flags.push(option.value === true ? `--${flagName(key)}` : `--${flagName(key)}=false`);
    else for (const w of words) flags.push(`--${flagName(key)}`, quoted(w));
  }
  const positionals: string[] = [];
  for (const p of def.positionals ?? []) {
    const words = given.get(p.name);
    if (!words) break; // a later positional cannot be given without the earlier ones
    positionals.push(...words.map(quoted));
  }
  const text = [
    command.replaceAll(".", " "),
    ...flags,
    ...(positionals.length > 0 ? ["--", ...positionals] : []),
  ].join(" ");
  return { command, text, args, ...(focused ? { focused } : {}) };
}

/** A token the tokenizer reads back as `value`: bare when safe, else double-quoted with escapes. */
function quoted(value: string): string {
  if (/^[\w.:@/+=,-]+$/.test(value) && !value.startsWith("--")) return value;
  return `"${value.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}
