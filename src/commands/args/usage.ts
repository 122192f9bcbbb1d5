/** Usage lines and argument help derived from a command definition, so help never drifts from the schema. */
import type { CommandDefinition } from "../definition.js";
import { type ArgShape, describeArgs, flagName } from "./schema-shape.js";

function placeholder(arg: ArgShape): string {
  if (arg.options && arg.options.length <= 4) return arg.options.join("|");
  const kind = arg.kind === "list" ? arg.element : arg.kind;
  return kind === "number" ? "N" : flagName(arg.key).toUpperCase().replaceAll("-", "_");
}

export function spokenName(def: Pick<CommandDefinition, "name">): string {
  return def.name.replaceAll(".", " ");
}

/** e.g. `audit [--limit N] [--user USER] [--command COMMAND]`. */
export function usageLine(def: CommandDefinition): string {
  const args = describeArgs(def.args);
  const positional = new Map((def.positionals ?? []).map((p) => [p.name, p]));
  const parts = [spokenName(def)];
  for (const p of def.positionals ?? []) {
    const arg = args.find((a) => a.key === p.name);
    const text = `<${p.name}${p.variadic ? "…" : ""}>`;
    parts.push(arg && !arg.required ? `[${text}]` : text);
  }
  for (const arg of args) {
    if (positional.has(arg.key)) continue;
    const flag =
      arg.kind === "boolean" ? `--${flagName(arg.key)}` : `--${flagName(arg.key)} ${placeholder(arg)}`;
    parts.push(arg.required ? flag : `[${flag}]`);
  }
  return parts.join(" ");
}

/** One line per argument: name, description, allowed values and default. */
export function argumentHelp(def: CommandDefinition): string[] {
  const positional = new Set((def.positionals ?? []).map((p) => p.name));
  return describeArgs(def.args).map((arg) => {
    const name = positional.has(arg.key) ? `<${arg.key}>` : `--${flagName(arg.key)}`;
    const notes: string[] = [];
    if (arg.options) notes.push(`one of ${arg.options.join(", ")}`);
    if (arg.defaultValue !== undefined && arg.defaultValue !== false)
      notes.push(`default ${String(arg.defaultValue)}`);
    if (arg.required) notes.push("required");
    const desc = arg.description ?? "";
    return `${name}: ${desc}${notes.length ? `${desc ? " " : ""}(${notes.join("; ")})` : ""}`;
  });
}
