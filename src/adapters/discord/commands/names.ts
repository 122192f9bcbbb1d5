/**
 * How dotted command names map onto `/pve`'s subcommand groups and subcommands, both ways:
 * `template.build` is `/pve template build`, `nodes` is `/pve nodes`. A name that is both a command and a
 * group (`vm` next to `vm.create`) cannot be both on Discord, so the bare command becomes the group's
 * `show` subcommand: `/pve vm show`. Discord names are lowercase, at most 32 characters.
 */
import type { CommandDefinition } from "../../../commands/definition.js";

/** The subcommand a command that is also a group's name is registered as. */
const BARE_SUBCOMMAND = "show";

export interface DiscordPath {
  group?: string;
  sub: string;
}

/** Where `def` sits in `/pve`; throws for a name Discord cannot register (three levels, too long). */
export function discordPath(name: string, all: ReadonlySet<string>): DiscordPath {
  const parts = name.split(".");
  for (const p of parts) {
    if (p.length > 32)
      throw new RangeError(`command name part "${p}" is longer than Discord's 32 characters`);
  }
  if (parts.length > 2)
    throw new RangeError(`command "${name}" is nested deeper than Discord's groups allow`);
  if (parts.length === 2) {
    if (parts[1] === BARE_SUBCOMMAND) {
      throw new RangeError(`command "${name}" takes the name reserved for bare group commands`);
    }
    return { group: parts[0]!, sub: parts[1]! };
  }
  const isGroup = [...all].some((n) => n.startsWith(`${name}.`));
  return isGroup ? { group: name, sub: BARE_SUBCOMMAND } : { sub: name };
}

/** The dotted command name of a subcommand path; undefined when no such command is registered. */
export function commandNameOf(path: DiscordPath, defs: readonly CommandDefinition[]): string | undefined {
  const names = new Set(defs.map((d) => d.name));
  const candidates = path.group
    ? path.sub === BARE_SUBCOMMAND
      ? [path.group]
      : [`${path.group}.${path.sub}`]
    : [path.sub];
  return candidates.find((n) => names.has(n));
}
