/**
 * Turns zod's issues into one readable entry per problem, with dotted paths and "did you mean" hints for
 * unknown keys, so an operator can fix a config file in one pass.
 */
import { closest } from "../../commands/args/closest.js";

export type Segment = PropertyKey;

/** `rbac.bindings[0].role`; keys that are not plain words are quoted: `approvals.commands["vm.delete"]`. */
export function formatPath(path: readonly Segment[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (typeof segment === "string" && /^[A-Za-z_$][\w$-]*$/.test(segment))
      out += out === "" ? segment : `.${segment}`;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out;
}

interface SchemaDef {
  type: string;
  shape?: Record<string, unknown>;
  innerType?: unknown;
  in?: unknown;
  element?: unknown;
  valueType?: unknown;
}

function defOf(schema: unknown): SchemaDef | undefined {
  return (schema as { _zod?: { def?: SchemaDef } } | undefined)?._zod?.def;
}

/** The object keys the schema allows at `path`, for "did you mean" hints; undefined when unknown. */
function allowedKeys(schema: unknown, path: readonly Segment[]): string[] | undefined {
  let node = schema;
  let i = 0;
  for (let guard = 0; guard < 100; guard++) {
    const def = defOf(node);
    if (!def) return undefined;
    if (def.innerType !== undefined) {
      node = def.innerType;
      continue;
    }
    if (def.type === "pipe") {
      node = def.in;
      continue;
    }
    if (i === path.length) return def.type === "object" && def.shape ? Object.keys(def.shape) : undefined;
    const segment = path[i++];
    if (def.type === "object" && def.shape) node = def.shape[String(segment)];
    else if (def.type === "array") node = def.element;
    else if (def.type === "record") node = def.valueType;
    else return undefined;
  }
  return undefined;
}

function unknownKeyMessage(key: string, allowed: string[] | undefined): string {
  if (!allowed || allowed.length === 0) return `unknown key "${key}"`;
  const close = closest(key, allowed);
  if (close) return `unknown key "${key}"; did you mean "${close}"?`;
  return `unknown key "${key}"; allowed here: ${allowed.join(", ")}`;
}

export interface Issue {
  code: string;
  path: Segment[];
  message: string;
  keys?: string[];
  errors?: Issue[][];
}

/**
 * One entry per problem: an unrecognized-keys issue becomes one entry per key, a failed union shows the
 * problems of the one branch whose type matched (e.g. a duration string's format), and "received
 * undefined" reads as "required".
 */
export function describeIssues(
  issues: readonly Issue[],
  schema: unknown,
): Array<{ path: Segment[]; message: string }> {
  const out: Array<{ path: Segment[]; message: string }> = [];
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys" && issue.keys) {
      const allowed = allowedKeys(schema, issue.path);
      for (const key of issue.keys)
        out.push({ path: [...issue.path, key], message: unknownKeyMessage(key, allowed) });
    } else if (issue.code === "invalid_union" && issue.errors && issue.errors.length > 0) {
      const informative = issue.errors.filter((branch) => branch.some((i) => i.code !== "invalid_type"));
      const chosen = informative.length === 1 ? informative[0]! : undefined;
      if (chosen) {
        for (const inner of chosen)
          out.push(...describeIssues([{ ...inner, path: [...issue.path, ...inner.path] }], schema));
      } else {
        out.push({ path: issue.path, message: issue.message });
      }
    } else if (issue.code === "invalid_type" && /received undefined$/.test(issue.message)) {
      out.push({
        path: issue.path,
        message: `required: ${issue.message.replace(/, received undefined$/, "").replace(/^Invalid input: /, "")}`,
      });
    } else {
      out.push({ path: issue.path, message: issue.message });
    }
  }
  return out;
}

/**
 * Builds the effective configuration: defaults < file < environment. Returns every problem instead of
 * throwing; secret values (from `_FILE`s, secret rows, secret-named keys, URL passwords) are scrubbed from
 * each message. Pass `schema` to validate against an extended schema (tests, or sections not yet merged).
 * Files are read synchronously: this runs once, before the bot starts serving.
 */
