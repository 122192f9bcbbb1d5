/**
 * Reads what the argument parser and help need from a command's zod object schema: each key's kind
 * (string, number, boolean, enum, list), whether it is required, its description and allowed values.
 * Only the zod constructs commands use are understood; anything else is treated as a string.
 */
import type { z } from "zod";

export type ArgKind = "string" | "number" | "boolean" | "enum" | "list";

export interface ArgShape {
  key: string;
  kind: ArgKind;
  /** For lists: the kind of each element. */
  element?: Exclude<ArgKind, "list">;
  required: boolean;
  description?: string;
  options?: string[];
  defaultValue?: unknown;
  /** Numbers: whole numbers only (Discord's integer option). */
  integer?: boolean;
  /** Numbers: the inclusive range the schema allows, where it states one. */
  min?: number;
  max?: number;
  /** Strings: the length range the schema allows, where it states one. */
  minLength?: number;
  maxLength?: number;
}

interface ZodLike {
  type: string;
  description?: string;
  def: {
    innerType?: ZodLike;
    element?: ZodLike;
    in?: ZodLike;
    defaultValue?: unknown;
    checks?: { _zod: { def: CheckDef } }[];
  };
  options?: unknown[];
  isInt?: boolean;
  minLength?: number | null;
  maxLength?: number | null;
}

interface CheckDef {
  check: string;
  value?: unknown;
  inclusive?: boolean;
}

function unwrap(schema: ZodLike): {
  core: ZodLike;
  optional: boolean;
  description?: string;
  defaultValue?: unknown;
} {
  let node = schema;
  let optional = false;
  let description = schema.description;
  let defaultValue: unknown;
  for (let depth = 0; depth < 10; depth++) {
    if (
      node.type === "optional" ||
      node.type === "nullable" ||
      node.type === "default" ||
      node.type === "prefault"
    ) {
      if (node.type !== "nullable") optional = true;
      if (node.type === "default") defaultValue = node.def.defaultValue;
      node = node.def.innerType!;
    } else if (node.type === "pipe" && node.def.in) {
      node = node.def.in;
    } else {
      break;
    }
    description ??= node.description;
  }
  return { core: node, optional, description, defaultValue };
}

function kindOf(core: ZodLike): ArgKind {
  switch (core.type) {
    case "number":
    case "int":
      return "number";
    case "boolean":
      return "boolean";
    case "enum":
      return "enum";
    case "array":
      return "list";
    default:
      return "string";
  }
}

export function describeArgs(schema: z.ZodObject): ArgShape[] {
  return Object.entries(schema.shape).map(([key, value]) => {
    const { core, optional, description, defaultValue } = unwrap(value as unknown as ZodLike);
    const kind = kindOf(core);
    const shape: ArgShape = { key, kind, required: !optional, description, defaultValue };
    if (kind === "enum") shape.options = (core.options ?? []).map(String);
    if (kind === "number") Object.assign(shape, numberRange(core));
    if (kind === "string") {
      if (typeof core.minLength === "number") shape.minLength = core.minLength;
      if (typeof core.maxLength === "number") shape.maxLength = core.maxLength;
    }
    if (kind === "list" && core.def.element) {
      const el = unwrap(core.def.element).core;
      const elKind = kindOf(el);
      shape.element = elKind === "list" ? "string" : elKind;
      if (elKind === "enum") shape.options = (el.options ?? []).map(String);
    }
    return shape;
  });
}

/**
 * Whole-number-ness and the inclusive bounds of a number schema. An exclusive bound (`positive()`) on a
 * whole number becomes the next whole number; on a fraction it is kept, as the schema still refuses it.
 */
function numberRange(core: ZodLike): Pick<ArgShape, "integer" | "min" | "max"> {
  const integer = core.isInt === true || core.type === "int";
  const range: Pick<ArgShape, "integer" | "min" | "max"> = { integer };
  for (const { _zod } of core.def.checks ?? []) {
    const { check, value, inclusive } = _zod.def;
    if (typeof value !== "number" || !Number.isFinite(value)) continue;
    const step = integer && !inclusive ? 1 : 0;
    if (check === "greater_than") range.min = Math.max(range.min ?? -Infinity, value + step);
    if (check === "less_than") range.max = Math.min(range.max ?? Infinity, value - step);
  }
  return range;
}

/** `dryRun` → `dry-run`: how a schema key is typed as a flag. */
export function flagName(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** `dry-run` → `dryRun`. */
export function keyOfFlag(flag: string): string {
  return flag.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}
