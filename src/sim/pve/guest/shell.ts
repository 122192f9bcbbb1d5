import { OS_INFO } from "../state/guest-defaults.js";
import type { GuestState } from "../state/types.js";
import { type CommandResult, PACKAGE_MANAGERS } from "./packages.js";

/** A program the guest does not have: QGA cannot spawn it, which PVE reports as an agent error. */
export class SpawnError extends Error {}

const SHELLS = new Set(["sh", "bash", "dash", "ash"]);
const REBOOT_FLAG = "/var/run/reboot-required";

function basename(path: string): string {
  return path.split("/").pop() ?? path;
}

function osRelease(guest: GuestState): string {
  const info = OS_INFO[guest.os];
  return [
    `NAME="${info.name}"`,
    `VERSION="${info.version}"`,
    `ID=${info.id}`,
    `VERSION_ID="${info.versionId}"`,
    `PRETTY_NAME="${info.prettyName}"`,
    "",
  ].join("\n");
}

function fileExists(guest: GuestState, path: string): boolean {
  if (path === REBOOT_FLAG) return guest.rebootRequired && (guest.os === "debian" || guest.os === "ubuntu");
  return path === "/etc/os-release" || path === "/bin/sh";
}

/**
 * One program with its arguments. Returns undefined for an unknown program so the caller can decide
 * between "not found" from a shell and a spawn failure from the agent.
 */
function runProgram(guest: GuestState, argv: string[]): CommandResult | undefined {
  const [program = "", ...args] = argv;
  const name = basename(program);
  const ok = (out: string): CommandResult => ({ exitcode: 0, out, err: "" });
  const manager = PACKAGE_MANAGERS[name];
  if (manager) return manager.os.includes(guest.os) ? manager.run(guest, args) : undefined;
  switch (name) {
    case "true":
      return ok("");
    case "false":
      return { exitcode: 1, out: "", err: "" };
    case "echo":
      return ok(`${args.join(" ")}\n`);
    case "hostname":
      return ok(`${guest.hostname}\n`);
    case "uname":
      return ok(
        args.includes("-a")
          ? `Linux ${guest.hostname} ${guest.kernel} #1 SMP x86_64 GNU/Linux\n`
          : args.includes("-r")
            ? `${guest.kernel}\n`
            : "Linux\n",
      );
    case "cat":
      return args.every((a) => a === "/etc/os-release")
        ? ok(args.map(() => osRelease(guest)).join(""))
        : {
            exitcode: 1,
            out: "",
            err: `cat: ${args.find((a) => a !== "/etc/os-release")}: No such file or directory\n`,
          };
    case "uptime":
      return ok(" 12:00:00 up 1 min,  0 users,  load average: 0.08, 0.03, 0.01\n");
    case "sleep":
      return ok("");
    case "test":
    case "[": {
      const clean = args.filter((a) => a !== "]");
      if (clean[0] === "-f" || clean[0] === "-e")
        return { exitcode: fileExists(guest, clean[1] ?? "") ? 0 : 1, out: "", err: "" };
      return { exitcode: 1, out: "", err: "" };
    }
    case "needs-restarting":
      if (!["rocky", "fedora"].includes(guest.os)) return undefined;
      return guest.rebootRequired
        ? {
            exitcode: 1,
            out: "Core libraries or services have been updated since boot-up:\n  * kernel\n\nReboot is required to fully utilize these updates.\n",
            err: "",
          }
        : ok(
            "No core libraries or services have been updated since boot-up.\nReboot should not be necessary.\n",
          );
    case "systemctl": {
      // Alpine runs OpenRC: there is no systemctl at all.
      if (guest.os === "alpine") return undefined;
      if (args[0] !== "is-system-running") return { exitcode: 1, out: "", err: "Unknown command verb\n" };
      const state = guest.systemState ?? "running";
      return { exitcode: state === "running" ? 0 : 1, out: `${state}\n`, err: "" };
    }
    case "cloud-init":
      return ok("status: done\n");
    default:
      return undefined;
  }
}

type Op = "&&" | "||" | ";" | "|";

/** Splits a `sh -c` script into words and operators, honouring single and double quotes. */
function tokenize(script: string): Array<{ word: string } | { op: Op }> {
  const out: Array<{ word: string } | { op: Op }> = [];
  let i = 0;
  while (i < script.length) {
    const c = script[i]!;
    if (c === " " || c === "\t") {
      i++;
      continue;
    }
    const two = script.slice(i, i + 2);
    if (two === "&&" || two === "||") {
      out.push({ op: two });
      i += 2;
      continue;
    }
    if (c === ";" || c === "\n" || c === "|") {
      out.push({ op: c === "|" ? "|" : ";" });
      i++;
      continue;
    }
    let word = "";
    while (i < script.length && !" \t;\n|".includes(script[i]!) && script.slice(i, i + 2) !== "&&") {
      const q = script[i]!;
      if (q === "'" || q === '"') {
        const end = script.indexOf(q, i + 1);
        word += script.slice(i + 1, end < 0 ? script.length : end);
        i = end < 0 ? script.length : end + 1;
      } else {
        word += q;
        i++;
      }
    }
    out.push(word === "&" ? { op: ";" } : { word });
  }
  return out;
}

/**
 * Drops env assignments and `sudo`, and applies redirections: stdout or stderr sent to a file
 * (including /dev/null) is discarded, `2>&1` merges stderr into stdout.
 */
function simpleCommand(words: string[]): {
  argv: string[];
  mergeErr: boolean;
  dropOut: boolean;
  dropErr: boolean;
} {
  const argv: string[] = [];
  const flags = { mergeErr: false, dropOut: false, dropErr: false };
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const redirect = /^(\d?|&)>>?(.*)$/.exec(w);
    if (w === "2>&1") flags.mergeErr = true;
    else if (redirect) {
      if (redirect[2] === "") i++;
      if (redirect[1] === "2") flags.dropErr = true;
      else if (redirect[1] === "&") {
        flags.dropOut = true;
        flags.dropErr = true;
      } else flags.dropOut = true;
    } else if (argv.length === 0 && (/^[A-Za-z_][A-Za-z0-9_]*=/.test(w) || w === "sudo")) continue;
    else argv.push(w);
  }
  return { argv, ...flags };
}

function filter(argv: string[], input: string): CommandResult | undefined {
  const lines = input.split("\n").filter((l, i, all) => l !== "" || i < all.length - 1);
  const n = Number(argv[argv.indexOf("-n") + 1] ?? 10);
  const text = (ls: string[]) => ls.map((l) => `${l}\n`).join("");
  if (argv[0] === "tail") return { exitcode: 0, out: text(lines.slice(-n)), err: "" };
  if (argv[0] === "head") return { exitcode: 0, out: text(lines.slice(0, n)), err: "" };
  if (argv[0] === "grep") {
    const hits = lines.filter((l) => l.includes(argv[argv.length - 1] ?? ""));
    return { exitcode: hits.length > 0 ? 0 : 1, out: text(hits), err: "" };
  }
  return undefined;
}

function runScript(guest: GuestState, script: string): CommandResult {
  const result: CommandResult = { exitcode: 0, out: "", err: "" };
  const tokens = tokenize(script);
  let words: string[] = [];
  let skip = false;
  let pipeInput: string | undefined;
  const execute = (op: Op | undefined) => {
    if (words.length === 0) return;
    const { argv, mergeErr, dropOut, dropErr } = simpleCommand(words);
    words = [];
    if (skip) {
      skip = false;
    } else if (argv[0] === "exit") {
      result.exitcode = Number(argv[1] ?? 0);
      skip = true;
      return "exit";
    } else {
      const r = (pipeInput !== undefined ? filter(argv, pipeInput) : undefined) ??
        runProgram(guest, argv) ?? { exitcode: 127, out: "", err: `sh: 1: ${argv[0]}: not found\n` };
      pipeInput = undefined;
      const out = dropOut ? "" : r.out;
      const err = dropErr ? "" : r.err;
      if (op === "|") pipeInput = out;
      else result.out += out;
      if (mergeErr && !dropOut) result.out += err;
      else result.err += err;
      result.exitcode = r.exitcode;
    }
    if (op === "&&") skip = result.exitcode !== 0;
    if (op === "||") skip = result.exitcode === 0;
    return undefined;
  };
  for (const token of tokens) {
    if ("word" in token) words.push(token.word);
    else if (execute(token.op) === "exit") return result;
  }
  execute(undefined);
  return result;
}

/**
 * Runs what `agent/exec` was given: `sh -c <script>` (or bash/dash/ash) is interpreted as a small
 * shell (`&&`, `||`, `;`, pipes into head/tail/grep, redirections ignored); a bare program runs directly.
 */
export function runInGuest(guest: GuestState, argv: string[]): CommandResult {
  const program = basename(argv[0] ?? "");
  if (SHELLS.has(program)) {
    if (argv[1] === "-c") return runScript(guest, argv[2] ?? "");
    return { exitcode: 0, out: "", err: "" };
  }
  const result = runProgram(guest, argv);
  if (!result)
    throw new SpawnError(
      `Failed to execute child process \u201c${argv[0]}\u201d (No such file or directory)`,
    );
  return result;
}
