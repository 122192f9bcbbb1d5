/**
 * `proxmox-chatops config check|schema`. The functions write to injected sinks and return an exit code, so
 * the CLI entry point stays a thin wrapper and tests run them in-process.
 *
 * Exit codes: 0 success, 1 the configuration is invalid, 2 the command line is wrong.
 */
import { parseArgs } from "node:util";
import { stringify as toYaml } from "yaml";
import { z } from "zod";
import type { Environment } from "./env.js";
import { formatConfigErrors, loadConfig } from "./load.js";
import { redactConfig } from "./redact.js";
import { configSchema } from "./schema.js";

export interface TextSink {
  write(text: string): unknown;
}

export interface ConfigCommandIo {
  /** Arguments after `config <sub>`: `--config FILE`, `--format yaml|json` (or `--json`). */
  argv: readonly string[];
  env: Environment;
  stdout: TextSink;
  stderr: TextSink;
  cwd?: string;
  /** Defaults to the bot's schema; tests and future sections may pass an extended one. */
  schema?: z.ZodType;
}

export type ConfigSubcommand = "check" | "schema";

export const CONFIG_SCHEMA_TITLE = "proxmox-chatops configuration";

/**
 * The JSON Schema of what an operator may write (the input side: durations as `15m`, defaults optional),
 * in draft-07 because that is what YAML editors (yaml-language-server) understand best.
 */
export function configJsonSchema(schema: z.ZodType = configSchema): Record<string, unknown> {
  const generated = z.toJSONSchema(schema, { io: "input", target: "draft-7" }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return { $schema, title: CONFIG_SCHEMA_TITLE, ...rest };
}

/** The exact text shipped as `config.schema.json`. */
export function renderConfigSchema(schema: z.ZodType = configSchema): string {
  return `${JSON.stringify(configJsonSchema(schema), null, 2)}\n`;
}

type OutputFormat = "yaml" | "json";

/** `--format yaml|json`, `--json`, `--yaml` (the last one given wins), and `--config FILE`. */
function readFormat(argv: readonly string[]): { format: OutputFormat } | { error: string } {
  let tokens: ReturnType<typeof parseFlags>;
  try {
    tokens = parseFlags(argv);
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
  let format: OutputFormat = "yaml";
  for (const token of tokens) {
    if (token.kind !== "option" || token.name === "config") continue;
    const value = token.name === "format" ? token.value : token.name;
    if (value !== "yaml" && value !== "json") {
      return {
        error: `--format must be yaml or json, got ${value === undefined ? "nothing" : JSON.stringify(value)}`,
      };
    }
    format = value;
  }
  return { format };
}

function parseFlags(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    options: {
      config: { type: "string", short: "c" },
      format: { type: "string" },
      json: { type: "boolean" },
      yaml: { type: "boolean" },
    },
    strict: true,
    tokens: true,
  }).tokens;
}

/** Runs one `config` subcommand and returns the process exit code. Never throws for bad input. */
export async function runConfigCommand(sub: ConfigSubcommand, io: ConfigCommandIo): Promise<number> {
  const schema = io.schema ?? configSchema;
  if (sub === "schema") {
    io.stdout.write(renderConfigSchema(schema));
    return 0;
  }
  if (sub !== "check") {
    io.stderr.write(`unknown config subcommand ${JSON.stringify(sub)}; use "check" or "schema"\n`);
    return 2;
  }
  const format = readFormat(io.argv);
  if ("error" in format) {
    io.stderr.write(`${format.error}\n`);
    return 2;
  }
  const loaded = loadConfig({ argv: io.argv, env: io.env, cwd: io.cwd, schema });
  if (!loaded.ok) {
    io.stderr.write(formatConfigErrors(loaded.errors));
    return 1;
  }
  const shown = redactConfig(loaded.config);
  io.stdout.write(format.format === "json" ? `${JSON.stringify(shown, null, 2)}\n` : toYaml(shown));
  const file = loaded.source.file ?? "no file (defaults)";
  const env = loaded.source.env.length > 0 ? loaded.source.env.join(", ") : "none";
  io.stderr.write(`configuration is valid; file: ${file}; environment overrides: ${env}\n`);
  return 0;
}
