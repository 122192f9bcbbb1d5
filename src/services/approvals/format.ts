/**
 * Text shared by approval cards and refusal messages: times, names and the command line as it will run.
 */
import { sanitizeArgs } from "../audit/sanitize.js";
import type { ApprovalRequest } from "./model.js";

/** "bob", "alice and bob", "alice, bob and carol". */
export function joinNames(names: readonly string[]): string {
  if (names.length <= 1) return names[0] ?? "";
  return `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}

const PLAIN_TOKEN = /^[A-Za-z0-9_./:@%+=,[\]-]+$/;

function quote(value: string): string {
  return PLAIN_TOKEN.test(value) ? value : `"${value.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}

function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function flagTokens(key: string, value: unknown): string[] {
  const flag = `--${kebab(key)}`;
  if (value === null || value === undefined) return [];
  if (value === true) return [flag];
  if (value === false) return [`${flag}=false`];
  if (Array.isArray(value)) return value.flatMap((v) => flagTokens(key, v));
  if (typeof value === "object") return [flag, quote(JSON.stringify(value))];
  return [flag, quote(String(value))];
}

/**
 * The command as it will run, every argument as an explicit flag in key order (the stored args are
 * normalized, so positional or flag spelling in the original message does not matter). Secret values are
 * shown as `[redacted]` because the card is a chat message.
 */
export function commandLine(request: Pick<ApprovalRequest, "command" | "args">): string {
  const args = sanitizeArgs(request.args);
  const tokens = [request.command.replaceAll(".", " ")];
  for (const key of Object.keys(args).sort()) tokens.push(...flagTokens(key, args[key]));
  return tokens.join(" ");
}

/** "`template delete`", for prose. */
export function commandWords(command: string): string {
  return `\`${command.replaceAll(".", " ")}\``;
}
