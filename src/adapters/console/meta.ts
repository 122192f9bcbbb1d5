/**
 * The console's own commands, typed with a leading colon so they can never collide with bot commands.
 * Parsing is separate from acting so every malformed line gets one specific message before anything runs.
 */

export type MetaCommand =
  | { kind: "as"; user?: string }
  | { kind: "click"; messageId?: string; button: number; value?: string }
  | { kind: "help" }
  | { kind: "quit" }
  | { kind: "invalid"; message: string };

export const META_HELP = [
  ":as <user>                        act as another configured user (:as alone lists them)",
  ":click <n> [reason…]              press button n of the latest message that has buttons",
  ":click <message>.<n> [reason…]    press button n of message #<message>, e.g. :click 3.2 not today",
  ":help                             show this list",
  ":quit                             leave the console (end of input does the same)",
  "Any other line is a bot command, e.g. `help` or `template list` (a leading /pve is optional).",
  "A button with a form takes its answers on the :click line: :click 5 duration=2h comment=rack move",
];

const CLICK_TARGET = /^#?(?:(\d+)\.)?(\d+)$/;

/** undefined when the line is not a meta command (it does not start with `:`). */
export function parseMeta(line: string): MetaCommand | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith(":")) return undefined;
  const [word = "", ...rest] = trimmed.slice(1).split(/\s+/);
  switch (word) {
    case "as":
      if (rest.length > 1) return { kind: "invalid", message: "usage: :as <user> (one user name)" };
      return rest[0] === undefined ? { kind: "as" } : { kind: "as", user: rest[0] };
    case "click":
      return parseClick(trimmed.slice(1 + word.length).trim());
    case "help":
      return { kind: "help" };
    case "quit":
    case "exit":
      return { kind: "quit" };
    default:
      return { kind: "invalid", message: `unknown console command :${word}; type :help for the list` };
  }
}

function parseClick(args: string): MetaCommand {
  const usage = "usage: :click <n> [reason…] or :click <message>.<n> [reason…], e.g. :click 2 or :click 3.1";
  if (args === "") return { kind: "invalid", message: usage };
  const spaceAt = args.search(/\s/);
  const target = spaceAt === -1 ? args : args.slice(0, spaceAt);
  const value = spaceAt === -1 ? "" : args.slice(spaceAt).trim();
  const m = CLICK_TARGET.exec(target);
  if (!m) return { kind: "invalid", message: `"${target}" is not a button number; ${usage}` };
  const button = Number(m[2]);
  if (button < 1) return { kind: "invalid", message: "buttons are numbered from 1" };
  return {
    kind: "click",
    button,
    ...(m[1] !== undefined ? { messageId: String(Number(m[1])) } : {}),
    ...(value !== "" ? { value } : {}),
  };
}
