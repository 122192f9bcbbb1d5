/**
 * Loads the configuration once, at start: YAML file (`--config FILE` or `PVEBOT_CONFIG`), then environment
 * overrides (see env.ts), then the zod schema. Every problem is collected so the operator fixes them in one
 * go, and no message carries a secret value. The environment and the file reader are injected.
 */
import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { parseArgs } from "node:util";
import { type Document, LineCounter, parseDocument, visit } from "yaml";
import type { z } from "zod";
import {
  type ConfigError,
  ENV_BINDINGS,
  type EnvBinding,
  type Environment,
  type EnvOverride,
  readEnvOverrides,
  readTextFile,
} from "./env.js";
import { checkReferencedFiles } from "./files.js";
import { describeIssues, formatPath, type Issue } from "./issues.js";
import { collectSecretValues, scrubSecrets } from "./redact.js";
import { type Config, configSchema } from "./schema.js";

export type { ConfigError, Environment } from "./env.js";
export { formatPath } from "./issues.js";

export interface LoadOptions {
  /** Command-line arguments after the program name; only `--config FILE` / `--config=FILE` / `-c FILE` are read. */
  argv?: readonly string[];
  env: Environment;
  /** Base for relative file paths; defaults to the process's working directory. */
  cwd?: string;
  /** Override table; defaults to `ENV_BINDINGS`. */
  bindings?: readonly EnvBinding[];
  readFile?: (path: string) => string;
}

/** Where the effective configuration came from: the file (if any) and the variables that overrode it. */
export interface ConfigSource {
  file?: string;
  env: string[];
}

export type LoadResult<T> =
  | { ok: true; config: T; source: ConfigSource }
  | { ok: false; errors: ConfigError[] };

export const CONFIG_ENV = "PVEBOT_CONFIG";

/**
 * Finds the config file named on the command line; `--config` without a value is an error, not "no file".
 * Other flags belong to the sub-command, which parses them itself, so they are passed over here.
 */
export function configFileFromArgs(argv: readonly string[]): { file?: string; error?: ConfigError } {
  const { tokens } = parseArgs({
    args: [...argv],
    options: { config: { type: "string", short: "c" } },
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const given = tokens.find((t) => t.kind === "option" && t.name === "config");
  if (given?.kind !== "option") return {};
  const value = given.value;
  if (given.inlineValue) {
    if (!value) return { error: { path: "--config", message: "--config= needs a file name" } };
    return { file: value };
  }
  if (value === undefined || value === "" || value.startsWith("-")) {
    const flag = given.rawName;
    return {
      error: { path: flag, message: `${flag} needs a file name, e.g. ${flag} /etc/pvebot/config.yml` },
    };
  }
  return { file: value };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * An alias inside the node its anchor names (`a: &a [*a]`) makes toJS build a circular object, which every
 * later walk over the config (validation, secret collection) would follow until the stack overflows.
 */
function findRecursiveAlias(doc: Document): { name: string; offset: number } | undefined {
  let found: { name: string; offset: number } | undefined;
  visit(doc, {
    Alias(_key, alias, path) {
      const target = alias.resolve(doc);
      if (target !== undefined && path.includes(target as never)) {
        found = { name: alias.source, offset: alias.range?.[0] ?? 0 };
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}

/** Parses the YAML text; syntax errors carry `file:line:column` and never quote the offending line. */
function parseYaml(file: string, text: string): { value?: Record<string, unknown>; errors: ConfigError[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, lineCounter, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      errors: doc.errors.map((err) => {
        const { line, col } = lineCounter.linePos(err.pos[0]);
        return {
          path: `${file}:${line}:${col}`,
          message: `YAML syntax error: ${err.message.split("\n")[0]}`,
        };
      }),
    };
  }
  const cycle = findRecursiveAlias(doc);
  if (cycle !== undefined) {
    const { line, col } = lineCounter.linePos(cycle.offset);
    return {
      errors: [
        {
          path: `${file}:${line}:${col}`,
          message: `YAML alias *${cycle.name} refers to a node that contains it (a recursive anchor); the configuration must be a tree`,
        },
      ],
    };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    return {
      errors: [{ path: file, message: `YAML could not be read: ${(err as Error).message.split("\n")[0]}` }],
    };
  }
  if (value === null || value === undefined) return { value: {}, errors: [] };
  if (!isPlainObject(value)) {
    const kind = Array.isArray(value) ? "a list" : `a ${typeof value}`;
    return {
      errors: [{ path: file, message: `the file must hold a mapping (key: value lines), not ${kind}` }],
    };
  }
  return { value, errors: [] };
}

/** Writes `value` at a dotted path, creating mappings on the way; refuses to replace a non-mapping. */
function applyOverride(target: Record<string, unknown>, override: EnvOverride): ConfigError | undefined {
  const segments = override.binding.path.split(".");
  let node = target;
  for (let i = 0; i < segments.length - 1; i++) {
    const key = segments[i]!;
    const next = node[key];
    if (next === undefined || next === null) {
      const created: Record<string, unknown> = {};
      node[key] = created;
      node = created;
    } else if (isPlainObject(next)) {
      node = next;
    } else {
      const where = segments.slice(0, i + 1).join(".");
      return {
        path: override.binding.path,
        message: `${override.from}: cannot set ${override.binding.path} because ${where} in the file is not a mapping`,
      };
    }
  }
  node[segments[segments.length - 1]!] = override.value;
  return undefined;
}

function readConfigFile(
  file: string,
  cwd: string,
  readFile: (path: string) => string,
): { value?: Record<string, unknown>; errors: ConfigError[] } {
  const absolute = isAbsolute(file) ? file : resolve(cwd, file);
  const read = readTextFile(absolute, readFile);
  if (!read.ok)
    return { errors: [{ path: absolute, message: `cannot read the config file: ${read.reason}` }] };
  return parseYaml(absolute, read.text);
}

/** Names the variables that put a value at or under `path`, so a bad value points at its real origin. */
function provenance(path: string, overrides: readonly EnvOverride[]): string {
  const names = overrides
    .filter(
      (o) =>
        o.binding.path === path ||
        o.binding.path.startsWith(`${path}.`) ||
        path.startsWith(`${o.binding.path}.`),
    )
    .map((o) => o.from);
  return names.length === 0 ? "" : ` (set by ${names.join(", ")})`;
}

export function loadConfig(options: LoadOptions): LoadResult<Config>;
export function loadConfig<S extends z.ZodType>(
  options: LoadOptions & { schema: S },
): LoadResult<z.output<S>>;
export function loadConfig(options: LoadOptions & { schema?: z.ZodType }): LoadResult<unknown> {
  const schema = options.schema ?? configSchema;
  const cwd = options.cwd ?? process.cwd();
  const readFile = options.readFile ?? ((path: string) => readFileSync(path, "utf8"));
  const errors: ConfigError[] = [];
  const secrets: string[] = [];

  const fromArgs = configFileFromArgs(options.argv ?? []);
  if (fromArgs.error) errors.push(fromArgs.error);
  const envFile = options.env[CONFIG_ENV];
  const file = fromArgs.file ?? (envFile !== undefined && envFile !== "" ? envFile : undefined);

  let raw: Record<string, unknown> = {};
  let fileOk = true;
  if (file !== undefined) {
    const parsed = readConfigFile(file, cwd, readFile);
    errors.push(...parsed.errors);
    if (parsed.value) {
      raw = parsed.value;
      secrets.push(...collectSecretValues(raw));
    } else {
      fileOk = false;
    }
  }

  const fromEnv = readEnvOverrides(options.env, options.bindings ?? ENV_BINDINGS, { cwd, readFile });
  errors.push(...fromEnv.errors);
  secrets.push(...fromEnv.secretValues);
  const applied: EnvOverride[] = [];
  for (const override of fromEnv.overrides) {
    const problem = applyOverride(raw, override);
    if (problem) errors.push(problem);
    else applied.push(override);
  }

  // Without the file's content, only problems with values the environment set are meaningful; "missing
  // key" reports about the unread file would mislead.
  const result = schema.safeParse(raw);
  if (result.success) {
    for (const problem of checkReferencedFiles(result.data, { cwd, readFile }))
      errors.push({ ...problem, message: problem.message + provenance(problem.path, applied) });
  }
  if (result.success && errors.length === 0 && fileOk) {
    const source: ConfigSource = { env: applied.map((o) => o.from) };
    if (file !== undefined) source.file = isAbsolute(file) ? file : resolve(cwd, file);
    return { ok: true, config: result.data, source };
  }
  if (!result.success) {
    for (const described of describeIssues(result.error.issues as unknown as Issue[], schema)) {
      const path = formatPath(described.path);
      const origin = provenance(path, applied);
      if (fileOk || origin !== "") errors.push({ path, message: described.message + origin });
    }
  }
  return {
    ok: false,
    errors: errors.map((e) => ({
      path: scrubSecrets(e.path, secrets),
      message: scrubSecrets(e.message, secrets),
    })),
  };
}

/** Text for stderr: one `path: reason` line per problem, under a heading that counts them. */
export function formatConfigErrors(errors: readonly ConfigError[]): string {
  const heading =
    errors.length === 1
      ? "configuration error (1 problem):"
      : `configuration errors (${errors.length} problems):`;
  const lines = errors.map((e) => `  ${e.path === "" ? "(root)" : e.path}: ${e.message}`);
  return `${[heading, ...lines].join("\n")}\n`;
}
