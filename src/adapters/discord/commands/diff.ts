/**
 * What a registration would change: the commands we register against those Discord has, by name. Discord
 * answers with many fields of its own (ids, versions, localizations, defaults), so both sides are reduced
 * to the fields we set, with Discord's defaults filled in, before they are compared. Options are compared by
 * name; an option that only moved is not a change worth a registration.
 */
import type { ApplicationCommand } from "./types.js";

type ChangeKind = "added" | "changed" | "removed" | "unchanged";

export interface CommandChange {
  name: string;
  kind: ChangeKind;
  /** For a changed command: where it differs, e.g. `options.template.options.build.description`. */
  details: string[];
}

const MAX_DETAILS = 20;

export function diffCommands(
  local: readonly ApplicationCommand[],
  remote: readonly unknown[],
): CommandChange[] {
  const theirs = new Map<string, unknown>();
  for (const r of remote) {
    if (r && typeof r === "object" && typeof (r as { name?: unknown }).name === "string") {
      theirs.set((r as { name: string }).name, r);
    }
  }
  const changes: CommandChange[] = [];
  for (const cmd of local) {
    const existing = theirs.get(cmd.name);
    theirs.delete(cmd.name);
    if (existing === undefined) {
      changes.push({ name: cmd.name, kind: "added", details: [] });
      continue;
    }
    const details: string[] = [];
    compare(normalize(cmd), normalize(existing), "", details);
    changes.push({ name: cmd.name, kind: details.length > 0 ? "changed" : "unchanged", details });
  }
  for (const name of theirs.keys()) changes.push({ name, kind: "removed", details: [] });
  return changes;
}

type Plain = string | number | boolean | null | Plain[] | { [key: string]: Plain };

/** The fields we register, Discord's defaults made explicit, options keyed by name so a diff names them. */
function normalize(command: unknown): Plain {
  const c = (command ?? {}) as Record<string, unknown>;
  return {
    type: (c.type as number | undefined) ?? 1,
    description: String(c.description ?? ""),
    contexts: Array.isArray(c.contexts) ? [...(c.contexts as number[])].sort() : null,
    options: optionsByName(c.options),
  };
}

function optionsByName(options: unknown): Plain {
  const out: Record<string, Plain> = {};
  const list = Array.isArray(options) ? (options as Record<string, unknown>[]) : [];
  for (const o of list) {
    const entry: Record<string, Plain> = {
      type: Number(o.type),
      description: String(o.description ?? ""),
      required: o.required === true,
      autocomplete: o.autocomplete === true,
      choices: Array.isArray(o.choices)
        ? (o.choices as { name: string; value: string }[]).map((ch) => `${ch.name}=${ch.value}`)
        : [],
      options: optionsByName(o.options),
    };
    for (const key of ["min_value", "max_value", "min_length", "max_length"] as const) {
      entry[key] = typeof o[key] === "number" ? (o[key] as number) : null;
    }
    out[String(o.name)] = entry;
  }
  return out;
}

function compare(a: Plain, b: Plain, path: string, out: string[]): void {
  if (out.length >= MAX_DETAILS) return;
  const isRecord = (v: Plain) => v !== null && typeof v === "object" && !Array.isArray(v);
  if (isRecord(a) && isRecord(b)) {
    const ra = a as Record<string, Plain>;
    const rb = b as Record<string, Plain>;
    for (const key of new Set([...Object.keys(ra), ...Object.keys(rb)])) {
      const at = path ? `${path}.${key}` : key;
      if (!(key in rb)) out.push(`${at} added`);
      else if (!(key in ra)) out.push(`${at} removed`);
      else compare(ra[key]!, rb[key]!, at, out);
    }
    return;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) out.push(path);
}
