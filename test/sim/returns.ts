import type { ParamSchema } from "../../src/sim/pve/schema/types.js";
import { perlPattern } from "../../src/sim/pve/schema/validate.js";

/**
 * Checks a response `data` value against an endpoint's official `returns` schema: types, required
 * (non-optional) properties, enums, patterns, array items. Extra properties are allowed, as in PVE.
 */
export function checkReturns(schema: ParamSchema | undefined, value: unknown, path = "data"): string[] {
  if (!schema || schema.type === undefined) return [];
  const errors: string[] = [];
  const type = schema.type;
  if (type === "null") return value === null ? [] : [`${path}: expected null`];
  if (value === null || value === undefined) return [`${path}: expected ${type}, got ${value}`];
  switch (type) {
    case "object": {
      if (typeof value !== "object" || Array.isArray(value)) return [`${path}: expected object`];
      for (const [key, sub] of Object.entries(schema.properties ?? {})) {
        const v = (value as Record<string, unknown>)[key];
        if (v === undefined) {
          if (!sub.optional) errors.push(`${path}.${key}: missing`);
          continue;
        }
        errors.push(...checkReturns(sub, v, `${path}.${key}`));
      }
      return errors;
    }
    case "array":
      if (!Array.isArray(value)) return [`${path}: expected array`];
      return value.flatMap((item, i) => checkReturns(schema.items, item, `${path}[${i}]`));
    case "string":
      if (typeof value !== "string") return [`${path}: expected string, got ${JSON.stringify(value)}`];
      if (schema.enum && !schema.enum.includes(value)) return [`${path}: '${value}' not in enum`];
      if (schema.pattern && !perlPattern(schema.pattern).test(value))
        return [`${path}: '${value}' does not match pattern`];
      return [];
    case "integer":
      return Number.isInteger(value) ? [] : [`${path}: expected integer, got ${JSON.stringify(value)}`];
    case "number":
      return typeof value === "number" ? [] : [`${path}: expected number, got ${JSON.stringify(value)}`];
    case "boolean":
      return value === 0 || value === 1 || typeof value === "boolean"
        ? []
        : [`${path}: expected boolean, got ${JSON.stringify(value)}`];
    default:
      return [];
  }
}
