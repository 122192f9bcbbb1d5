/**
 * Maps tokens onto a command's zod schema: `--flag value`, `--flag=value`, boolean `--flag`, positionals by
 * name, `--` to end flags. Every problem is a returned error naming the bad part; this never throws.
 */
import type { z } from "zod";
import type { CommandDefinition } from "../definition.js";
import { closest } from "./closest.js";
import { type ArgShape, describeArgs, flagName, keyOfFlag } from "./schema-shape.js";

export type ParseArgsResult = { ok: true; args: Record<string, unknown> } | { ok: false; message: string };

/** Plain decimal: no hex, octal, binary, exponent, spaces or `Infinity`, which `Number()` would accept. */
const DECIMAL = /^-?[0-9]+(\.[0-9]+)?$/;
const TRUE = new Set(["true", "yes", "on", "1"]);
const FALSE = new Set(["false", "no", "off", "0"]);

function convert(
  arg: ArgShape,
  raw: string,
  label: string,
): { ok: true; value: unknown } | { ok: false; message: string } {
  const kind = arg.kind === "list" ? (arg.element ?? "string") : arg.kind;
  if (kind === "number") {
    if (DECIMAL.test(raw)) return { ok: true, value: Number(raw) };
    const looksNumeric = raw.trim() !== "" && Number.isFinite(Number(raw));
    return {
      ok: false,
      message: looksNumeric
        ? `${label} expects a number in plain decimal digits, like 16, got ${JSON.stringify(raw)}`
        : `${label} expects a number, got "${raw}"`,
    };
  }
  if (kind === "boolean") {
    const v = raw.toLowerCase();
    if (TRUE.has(v)) return { ok: true, value: true };
    if (FALSE.has(v)) return { ok: true, value: false };
    return { ok: false, message: `${label} expects true or false, got "${raw}"` };
  }
  return { ok: true, value: raw };
}

function put(
  args: Record<string, unknown>,
  arg: ArgShape,
  value: unknown,
  label: string,
): string | undefined {
  if (arg.kind === "list") {
    // Lists accept repeated flags and comma-separated values: --tags a,b --tags c
    const parts = typeof value === "string" ? value.split(",").filter((s) => s !== "") : [value];
    const list = (args[arg.key] as unknown[] | undefined) ?? [];
    args[arg.key] = list.concat(parts);
    return undefined;
  }
  if (arg.key in args) return `${label} was given more than once`;
  args[arg.key] = value;
  return undefined;
}

function describeIssue(
  def: CommandDefinition,
  issue: z.core.$ZodIssue,
  given: Record<string, unknown>,
): string {
  const key = String(issue.path[0] ?? "");
  const isPositional = (def.positionals ?? []).some((p) => p.name === key);
  const label = key === "" ? "arguments" : isPositional ? `<${key}>` : `--${flagName(key)}`;
  // zod reports a fraction given to an integer as invalid_type without its input: "required" only when
  // nothing was given.
  if (issue.code === "invalid_type" && given[key] === undefined) return `${label} is required`;
  return `${label}: ${issue.message}`;
}

export function parseArgs(def: CommandDefinition, tokens: readonly string[]): ParseArgsResult {
  const shapes = describeArgs(def.args);
  const byKey = new Map(shapes.map((s) => [s.key, s]));
  const positionals = def.positionals ?? [];
  const args: Record<string, unknown> = {};
  let posIndex = 0;
  let flagsEnded = false;

  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (!flagsEnded && token === "--") {
      flagsEnded = true;
      continue;
    }
    if (!flagsEnded && token.startsWith("--") && token.length > 2) {
      const eq = token.indexOf("=");
      const name = eq === -1 ? token.slice(2) : token.slice(2, eq);
      const arg = /^[a-z][a-z0-9-]*$/.test(name) ? byKey.get(keyOfFlag(name)) : undefined;
      if (!arg || positionals.some((p) => p.name === arg.key)) {
        const known = shapes
          .filter((s) => !positionals.some((p) => p.name === s.key))
          .map((s) => flagName(s.key));
        const hint = closest(name, known);
        return { ok: false, message: `unknown flag --${name}${hint ? ` (did you mean --${hint}?)` : ""}` };
      }
      const label = `--${name}`;
      let raw: string;
      if (eq !== -1) {
        raw = token.slice(eq + 1);
      } else if (arg.kind === "boolean") {
        raw = "true";
      } else {
        const next = tokens[i + 1];
        if (next === undefined || (next.startsWith("--") && next.length > 2)) {
          return { ok: false, message: `${label} needs a value` };
        }
        raw = next;
        i++;
      }
      const converted = convert(arg, raw, label);
      if (!converted.ok) return converted;
      const err = put(args, arg, converted.value, label);
      if (err) return { ok: false, message: err };
      continue;
    }
    const pos = positionals[posIndex];
    if (!pos) return { ok: false, message: `unexpected argument "${token}"` };
    const arg = byKey.get(pos.name);
    if (!arg) return { ok: false, message: `unexpected argument "${token}"` };
    const label = `<${pos.name}>`;
    const converted = convert(arg, token, label);
    if (!converted.ok) return converted;
    if (pos.variadic) {
      args[arg.key] = [...((args[arg.key] as unknown[] | undefined) ?? []), converted.value];
    } else {
      if (arg.key in args)
        return { ok: false, message: `${label} was given twice (as a flag and in position)` };
      args[arg.key] = converted.value;
      posIndex++;
    }
  }

  const parsed = def.args.safeParse(args);
  if (!parsed.success) {
    return {
      ok: false,
      message: parsed.error.issues.map((issue) => describeIssue(def, issue, args)).join("; "),
    };
  }
  return { ok: true, args: parsed.data as Record<string, unknown> };
}
