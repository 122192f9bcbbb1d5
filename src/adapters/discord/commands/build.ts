/**
 * `/pve` as one Discord application command, built from the command registry: subcommand groups and
 * subcommands from the dotted names (names.ts), and each command's options typed from its zod schema
 * (string, integer, number, boolean; choices from enums; ranges and lengths; required first, as Discord
 * demands). Arguments with a suggest kind get autocomplete. Lists (several distro keys, update targets)
 * are one string option whose words are the values, as typed after the text command.
 */
import { type ArgShape, describeArgs, flagName } from "../../../commands/args/schema-shape.js";
import type { CommandDefinition } from "../../../commands/definition.js";
import { cut } from "../../chat-kit/cut.js";
import { withoutMarkdown } from "../../chat-kit/plain.js";
import { discordPath } from "./names.js";
import type { ApplicationCommand, CommandOption } from "./types.js";

/** The one slash command every command of the registry lives under. */
export const PVE_COMMAND = "pve";

const DESCRIPTION = 100;
const MAX_OPTIONS = 25;
const MAX_CHOICES = 25;
const MAX_STRING = 6000;
/** Discord's limit on the names, descriptions and choice values of one command, summed over all levels. */
const MAX_COMMAND_SIZE = 8000;
/** Discord's option names: lowercase letters, digits, `-` and `_`. */
const NAME = /^[-_\p{Ll}\p{N}]{1,32}$/u;
/** Said of a list option, so the user knows several values fit in it. */
const LIST_HINT = " (several: separate with spaces)";

export function buildPveCommand(defs: readonly CommandDefinition[]): ApplicationCommand {
  const names = new Set(defs.map((d) => d.name));
  const top: CommandOption[] = [];
  const groups = new Map<string, CommandOption>();
  for (const def of defs) {
    const path = discordPath(def.name, names);
    const sub: CommandOption = {
      type: 1,
      name: checkedName(path.sub, def.name),
      description: text(def.summary, def.name),
      options: commandOptions(def),
    };
    if (!path.group) {
      top.push(sub);
      continue;
    }
    let group = groups.get(path.group);
    if (!group) {
      group = { type: 2, name: checkedName(path.group, def.name), description: "", options: [] };
      groups.set(path.group, group);
      top.push(group);
    }
    group.options!.push(sub);
  }
  for (const group of groups.values()) {
    const subs = group.options!.map((o) => o.name).join(", ");
    group.description = text(`${group.name} commands: ${subs}`, group.name);
    if (group.options!.length > MAX_OPTIONS) {
      throw new RangeError(
        `/${PVE_COMMAND} ${group.name} has ${group.options!.length} subcommands; Discord allows 25`,
      );
    }
  }
  if (top.length > MAX_OPTIONS) {
    throw new RangeError(`/${PVE_COMMAND} has ${top.length} subcommands and groups; Discord allows 25`);
  }
  const command: ApplicationCommand = {
    type: 1,
    name: PVE_COMMAND,
    description: "Proxmox VE: VMs, templates, guest updates, approvals and jobs",
    options: top,
    contexts: [0],
  };
  const size = commandSize(command);
  if (size > MAX_COMMAND_SIZE) {
    throw new RangeError(
      `/${PVE_COMMAND} has ${size} characters of names and descriptions; Discord allows 8000`,
    );
  }
  return command;
}

/** What Discord counts against a command's 8000 characters: names, descriptions, choice names and values. */
export function commandSize(o: { name: string; description: string; options?: CommandOption[] }): number {
  let n = o.name.length + o.description.length;
  for (const c of (o as CommandOption).choices ?? []) n += c.name.length + c.value.length;
  for (const child of o.options ?? []) n += commandSize(child);
  return n;
}

function commandOptions(def: CommandDefinition): CommandOption[] {
  const options = describeArgs(def.args).map((shape) => argOption(def, shape));
  if (options.length > MAX_OPTIONS) {
    throw new RangeError(`command "${def.name}" has ${options.length} arguments; Discord allows 25 options`);
  }
  // Discord refuses a required option after an optional one.
  return [...options.filter((o) => o.required), ...options.filter((o) => !o.required)];
}

function argOption(def: CommandDefinition, shape: ArgShape): CommandOption {
  const list = shape.kind === "list";
  const option: CommandOption = {
    type: list ? 3 : shape.kind === "boolean" ? 5 : shape.kind === "number" ? (shape.integer ? 4 : 10) : 3,
    name: checkedName(flagName(shape.key), def.name),
    description: optionDescription(shape, list),
  };
  if (shape.required) option.required = true;
  const choices = !list && shape.kind === "enum" ? (shape.options ?? []) : [];
  if (choices.length > 0 && choices.length <= MAX_CHOICES) {
    option.choices = choices.map((c) => ({ name: c, value: c }));
  }
  if (option.type === 4 || option.type === 10) {
    if (shape.min !== undefined) option.min_value = shape.min;
    if (shape.max !== undefined) option.max_value = shape.max;
  }
  if (option.type === 3 && !list) {
    if (shape.minLength !== undefined) option.min_length = Math.min(shape.minLength, MAX_STRING);
    if (shape.maxLength !== undefined) option.max_length = Math.min(shape.maxLength, MAX_STRING);
  }
  if (def.suggest?.[shape.key] && !option.choices) option.autocomplete = true;
  return option;
}

function optionDescription(shape: ArgShape, list: boolean): string {
  const base = withoutMarkdown(shape.description ?? "").trim() || flagName(shape.key).replaceAll("-", " ");
  const shown =
    shape.defaultValue !== undefined && typeof shape.defaultValue !== "object"
      ? `${base} (default ${String(shape.defaultValue)})`
      : base;
  return list ? `${cut(shown, DESCRIPTION - LIST_HINT.length)}${LIST_HINT}` : cut(shown, DESCRIPTION);
}

/** Plain text within Discord's 1–100 characters. */
function text(s: string, fallback: string): string {
  return cut(withoutMarkdown(s).trim() || fallback, DESCRIPTION);
}

function checkedName(name: string, command: string): string {
  if (!NAME.test(name))
    throw new RangeError(`"${name}" (command "${command}") is not a valid Discord option name`);
  return name;
}
