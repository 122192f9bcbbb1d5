/**
 * The explicit list of commands and the lookup from typed words to a command. Commands are listed in
 * src/commands/index.ts by hand: no loading from the filesystem, so what the bot can do is visible in one file.
 */
import { closest } from "./args/closest.js";
import type { CommandDefinition, CommandLookup } from "./definition.js";

export type Resolution =
  | { ok: true; command: CommandDefinition; rest: string[] }
  | { ok: false; message: string; suggestion?: string };

export class CommandRegistry implements CommandLookup {
  private readonly byName = new Map<string, CommandDefinition>();

  constructor(definitions: readonly CommandDefinition[]) {
    for (const def of definitions) {
      if (!/^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*$/.test(def.name))
        throw new Error(`bad command name "${def.name}"`);
      if (this.byName.has(def.name)) throw new Error(`command "${def.name}" is registered twice`);
      this.byName.set(def.name, def);
    }
  }

  all(): readonly CommandDefinition[] {
    return [...this.byName.values()];
  }

  get(name: string): CommandDefinition | undefined {
    return this.byName.get(name);
  }

  /** The longest run of leading words that names a command wins: `job cancel 7` → job.cancel. */
  resolve(tokens: readonly string[]): Resolution {
    const words = tokens.map((t) => t.toLowerCase());
    for (let n = Math.min(words.length, 4); n > 0; n--) {
      const def = this.byName.get(words.slice(0, n).join("."));
      if (def) return { ok: true, command: def, rest: tokens.slice(n) };
    }
    const typed = words.slice(0, 2).join(" ");
    if (words.length === 0) return { ok: false, message: "no command given; try `help`" };
    const group = [...this.byName.keys()].filter((name) => name.startsWith(`${words[0]}.`));
    if (group.length > 0 && !this.byName.has(words[0]!)) {
      const subs = group.map((g) => g.replaceAll(".", " ")).join(", ");
      return { ok: false, message: `\`${words[0]}\` needs a subcommand: ${subs}` };
    }
    const spoken = [...this.byName.keys()].map((name) => name.replaceAll(".", " "));
    const suggestion = closest(typed, spoken) ?? closest(words[0]!, spoken);
    const hint = suggestion ? ` Did you mean \`${suggestion}\`?` : "";
    return {
      ok: false,
      message: `unknown command ${(words[0] ?? "").slice(0, 40)}.${hint} Type \`help\` to see what you can run.`,
      suggestion,
    };
  }
}
