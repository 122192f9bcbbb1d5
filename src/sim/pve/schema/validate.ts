import { checkNamedFormat } from "./formats.js";
import type { MethodInfo, ParamSchema } from "./types.js";

export type ErrorMap = Record<string, string>;
export type ParamValue = string | number | string[];

/**
 * Highest index of indexed options (`net[n]`, `scsi[n]`, …) when the schema text does not state it
 * (qemu-server MAX_NETS, MAX_HOSTPCI_DEVICES, MAX_USB_DEVICES, …).
 */
const INDEX_LIMITS: Record<string, number> = {
  net: 31,
  ipconfig: 31,
  hostpci: 15,
  numa: 7,
  unused: 255,
  usb: 13,
  virtiofs: 9,
  link: 7,
  mp: 255,
};

/** Perl's stringified regex `(?^:…)` becomes a JS group; PVE anchors every pattern. */
export function perlPattern(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern.replace(/\(\?\^([a-z]*):/g, "(?:")})$`);
}

/** Finds the schema of `name`, including indexed options such as `scsi0` → `scsi[n]`. */
export function lookupProperty(
  props: Record<string, ParamSchema>,
  name: string,
): { key: string; schema: ParamSchema } | undefined {
  const exact = props[name];
  if (exact) return { key: name, schema: exact };
  const m = /^([a-z_-]+?)(\d+)$/i.exec(name);
  if (!m) return undefined;
  const key = `${m[1]}[n]`;
  const schema = props[key];
  if (!schema) return undefined;
  const stated = /\(n is 0 to (\d+)/.exec(schema.description ?? "");
  const limit = stated ? Number(stated[1]) : (INDEX_LIMITS[m[1]!] ?? 0);
  if (Number(m[2]) > limit || (m[2]!.length > 1 && m[2]!.startsWith("0"))) return undefined;
  return { key, schema };
}

function isOptional(schema: ParamSchema): boolean {
  return Boolean(schema.optional) || schema.alias !== undefined;
}

const NUMBER = /^[+-]?(\d+\.\d+|\d+\.|\.\d+|\d+)([eE][+-]?\d+)?$/;

/** Accepts what pve-common's `check_type` accepts for a boolean: "1"/"0" and JSON true/false. */
function booleanValue(raw: unknown): number | undefined {
  if (typeof raw === "boolean") return Number(raw);
  const text = String(raw);
  return text === "1" ? 1 : text === "0" ? 0 : undefined;
}

/**
 * Checks one scalar in the order of pve-common's `check_prop`: type, format, pattern, maxLength,
 * minLength, maximum, minimum, enum; the first failure is recorded under `path`. Returns the
 * coerced value (numbers for integer/number/boolean) or undefined on error.
 */
function checkScalar(
  path: string,
  schema: ParamSchema,
  raw: unknown,
  errors: ErrorMap,
): string | number | undefined {
  const type = schema.type ?? "string";
  if (raw === null || (typeof raw === "object" && type !== "any")) {
    errors[path] = `type check ('${type}') failed - got ${Array.isArray(raw) ? "ARRAY" : "HASH"}`;
    return undefined;
  }
  const text = String(raw);
  let value: string | number = text;
  if (type === "boolean") {
    const b = booleanValue(raw);
    if (b === undefined) {
      errors[path] = `type check ('boolean') failed - got '${text}'`;
      return undefined;
    }
    value = b;
  } else if (type === "integer" || type === "number") {
    if (!(type === "integer" ? /^[+-]?\d+$/ : NUMBER).test(text)) {
      errors[path] = `type check ('${type}') failed - got '${text}'`;
      return undefined;
    }
    value = Number(text);
  }
  const fail = (message: string) => {
    errors[path] = message;
    return undefined;
  };
  if (typeof schema.format === "string") {
    const err = checkNamedFormat(schema.format, text);
    if (err) return fail(`invalid format - ${err}\n`);
  } else if (schema.format) {
    const err = checkPropertyString(path, schema.format, text);
    if (err) return fail(`invalid format - ${err}`);
  }
  if (schema.pattern && !perlPattern(schema.pattern).test(text))
    return fail("value does not match the regex pattern");
  if (schema.maxLength !== undefined && text.length > schema.maxLength) {
    return fail(`value may only be ${schema.maxLength} characters long`);
  }
  if (schema.minLength !== undefined && text.length < schema.minLength) {
    return fail(`value must be at least ${schema.minLength} characters long`);
  }
  if (NUMBER.test(text)) {
    if (schema.maximum !== undefined && Number(text) > schema.maximum) {
      return fail(`value must have a maximum value of ${schema.maximum}`);
    }
    if (schema.minimum !== undefined && Number(text) < schema.minimum) {
      return fail(`value must have a minimum value of ${schema.minimum}`);
    }
  }
  if (schema.enum && !schema.enum.includes(text)) {
    return fail(`value '${text}' does not have a value in the enumeration '${schema.enum.join(", ")}'`);
  }
  return value;
}

/**
 * Parses `k=v,k2=v2` (or a bare default-key value) and validates each sub-key, like pve-common
 * `parse_property_string`. Returns the error text PVE appends after "invalid format - ".
 */
export function checkPropertyString(
  path: string,
  format: Record<string, ParamSchema>,
  text: string,
): string | undefined {
  const parsed = parsePropertyString(format, text);
  if (typeof parsed === "string") return `${parsed}\n`;
  const subErrors: ErrorMap = {};
  for (const [key, schema] of Object.entries(format)) {
    if (schema.alias !== undefined) continue;
    const value = parsed[key];
    if (value === undefined) {
      if (!isOptional(schema)) subErrors[`${path}.${key}`] = "property is missing and it is not optional";
      continue;
    }
    checkScalar(`${path}.${key}`, schema, value, subErrors);
  }
  const lines = Object.entries(subErrors).map(([k, v]) => `${k}: ${v}\n`);
  return lines.length > 0 ? `format error\n${lines.join("")}` : undefined;
}

const BOOLEAN_WORDS: Record<string, string> = {
  "1": "1",
  on: "1",
  yes: "1",
  true: "1",
  "0": "0",
  off: "0",
  no: "0",
  false: "0",
};

/**
 * Splits a property string into sub-keys like pve-common `parse_property_string`: `k=v` parts
 * (resolving `alias`/`keyAlias`, booleans normalised from on/yes/true…) or one bare value for the
 * default key. A string result is the die message.
 */
export function parsePropertyString(
  format: Record<string, ParamSchema>,
  text: string,
): Record<string, string> | string {
  const out: Record<string, string> = {};
  let defaultKeyUsed = false;
  for (const part of text.split(",")) {
    if (/^\s*$/.test(part)) continue;
    const kv = /^([^=]+)=(.+)$/.exec(part);
    if (kv) {
      let key = kv[1]!;
      let value = kv[2]!;
      if (out[key] !== undefined) return `duplicate key in comma-separated list property: ${key}`;
      let schema = format[key];
      if (schema?.alias !== undefined) {
        if (schema.keyAlias !== undefined) {
          if (out[schema.keyAlias] !== undefined) return `key alias '${schema.keyAlias}' is already defined`;
          out[schema.keyAlias] = key;
        }
        key = schema.alias;
        schema = format[key];
      }
      if (!schema) return `invalid key in comma-separated list property: ${key}`;
      if (schema.type === "boolean") value = BOOLEAN_WORDS[value.toLowerCase()] ?? value;
      out[key] = value;
    } else if (!part.includes("=")) {
      const defaultKey = Object.entries(format).find(([, s]) => s.default_key)?.[0];
      if (defaultKeyUsed && defaultKey)
        return `duplicate key in comma-separated list property: ${defaultKey}`;
      if (!defaultKey) return "value without key, but schema does not define a default key";
      if (out[defaultKey] !== undefined)
        return `duplicate key in comma-separated list property: ${defaultKey}`;
      defaultKeyUsed = true;
      out[defaultKey] = part;
    } else {
      return "missing key in comma-separated list property";
    }
  }
  return out;
}

export type ValidationResult =
  | { ok: true; params: Record<string, ParamValue> }
  | { ok: false; errors: ErrorMap };

/**
 * Validates request parameters against one method's schema with PVE's semantics: unknown keys are
 * refused (additionalProperties 0), a scalar is wrapped for array parameters, an array is joined for
 * `-list` strings, and every error is collected so the 400 answer lists all of them at once.
 */
export function validateParameters(info: MethodInfo, input: Record<string, unknown>): ValidationResult {
  const props = info.parameters?.properties ?? {};
  const errors: ErrorMap = {};
  const params: Record<string, ParamValue> = {};
  for (const [name, raw] of Object.entries(input)) {
    const found = lookupProperty(props, name);
    if (!found) {
      if (!info.parameters?.additionalProperties) {
        errors[name] =
          "property is not defined in schema and the schema does not allow additional properties";
      }
      continue;
    }
    const { schema } = found;
    if (schema.type === "array") {
      const list = Array.isArray(raw) ? raw : [raw];
      const items: string[] = [];
      for (const item of list) {
        const v = checkScalar(name, schema.items ?? { type: "string" }, item, errors);
        if (v !== undefined) items.push(String(v));
      }
      params[name] = items;
      continue;
    }
    let value = raw;
    if (Array.isArray(raw) && typeof schema.format === "string" && schema.format.endsWith("-list")) {
      value = raw.map(String).join(",");
    } else if (Array.isArray(raw) && raw.length === 1) {
      value = raw[0];
    }
    const v = checkScalar(name, schema, value, errors);
    if (v !== undefined) params[name] = v;
  }
  for (const [name, schema] of Object.entries(props)) {
    if (name.endsWith("[n]")) continue;
    if (input[name] === undefined && !isOptional(schema)) {
      errors[name] = "property is missing and it is not optional";
    }
    if (input[name] !== undefined && schema.requires && input[schema.requires] === undefined) {
      errors[schema.requires] = `missing property - '${name}' requires this property`;
    }
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, params };
}
