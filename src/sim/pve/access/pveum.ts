import { type AccessConfig, AccessError, type AclSubject } from "./config.js";
import { runScript, ShellError } from "./shell.js";

/** What a `pveum` script printed that matters to its caller: the secrets of the tokens it created. */
export interface PveumResult {
  tokens: { tokenId: string; secret: string }[];
}

function parseOptions(words: string[], line: number): { positional: string[]; options: Map<string, string> } {
  const positional: string[] = [];
  const options = new Map<string, string>();
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (!w.startsWith("--")) {
      positional.push(w);
      continue;
    }
    const eq = w.indexOf("=");
    const name = eq < 0 ? w.slice(2) : w.slice(2, eq);
    const value = eq < 0 ? words[++i] : w.slice(eq + 1);
    if (value === undefined) throw new ShellError(`pveum: option '--${name}' needs a value`, line);
    if (options.has(name)) throw new ShellError(`pveum: duplicate option '--${name}'`, line);
    options.set(name, value);
  }
  return { positional, options };
}

/** pve-common `pve-priv-list` / `pve-roleid-list` / `pve-userid-list`: comma, semicolon or space separated. */
const list = (value: string | undefined) => (value ?? "").split(/[,;\s]+/).filter((x) => x.length > 0);

function boolean(value: string | undefined, fallback: boolean, name: string, line: number): boolean {
  if (value === undefined) return fallback;
  if (value === "1" || value === "0") return value === "1";
  throw new ShellError(`pveum: --${name}: type check ('boolean') failed - got '${value}'`, line);
}

function allowOnly(options: Map<string, string>, allowed: string[], command: string, line: number): void {
  for (const name of options.keys()) {
    if (!allowed.includes(name)) throw new ShellError(`pveum ${command}: unknown option '--${name}'`, line);
  }
}

/**
 * Applies `pveum` commands to the simulated access configuration: `pool add`, `user add`, `role add`,
 * `user token add` and `acl modify`, with pveum's defaults (privilege separation on, ACLs propagate)
 * and pve-access-control's refusals. `user token permissions` and other read-only commands are ignored;
 * anything else is refused, so a setup text cannot contain a step the simulator silently skips.
 */
export function applyPveum(cfg: AccessConfig, script: string): PveumResult {
  const result: PveumResult = { tokens: [] };
  runScript(script, (words, line) => {
    if (words[0] !== "pveum")
      throw new ShellError(`only pveum commands are simulated, got '${words[0]}'`, line);
    const { positional, options } = parseOptions(words.slice(1), line);
    const command = positional
      .slice(0, positional[0] === "user" && positional[1] === "token" ? 3 : 2)
      .join(" ");
    const args = positional.slice(command.split(" ").length);
    try {
      switch (command) {
        case "pool add":
          allowOnly(options, ["comment"], command, line);
          cfg.addPool(args[0] ?? "", options.get("comment"));
          break;
        case "user add":
          allowOnly(
            options,
            ["comment", "email", "enable", "expire", "firstname", "lastname"],
            command,
            line,
          );
          cfg.addUser(args[0] ?? "", { comment: options.get("comment") });
          break;
        case "role add":
          allowOnly(options, ["privs"], command, line);
          cfg.addRole(args[0] ?? "", list(options.get("privs")));
          break;
        case "user token add": {
          allowOnly(options, ["privsep", "comment", "expire"], command, line);
          const tokenId = `${args[0] ?? ""}!${args[1] ?? ""}`;
          const privsep = boolean(options.get("privsep"), true, "privsep", line);
          result.tokens.push(cfg.addToken(tokenId, { privsep, comment: options.get("comment") }));
          break;
        }
        case "acl modify": {
          allowOnly(options, ["roles", "users", "tokens", "propagate"], command, line);
          const subjects: AclSubject[] = [
            ...list(options.get("users")).map((id) => ({ kind: "user" as const, id })),
            ...list(options.get("tokens")).map((id) => ({ kind: "token" as const, id })),
          ];
          const propagate = boolean(options.get("propagate"), true, "propagate", line);
          cfg.modifyAcl(args[0] ?? "", list(options.get("roles")), subjects, propagate);
          break;
        }
        case "user token permissions":
        case "user permissions":
          break;
        default:
          throw new ShellError(`pveum ${command}: not simulated`, line);
      }
    } catch (e) {
      if (e instanceof AccessError) throw new ShellError(`pveum ${command}: ${e.message}`, line);
      throw e;
    }
  });
  return result;
}
