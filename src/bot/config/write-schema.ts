/**
 * Regenerates `config.schema.json` at the repository root from the zod schema. Run it after changing
 * `schema.ts` (`npx tsx src/bot/config/write-schema.ts`, or `npm run config:schema`); a test fails while
 * the shipped file is out of date.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { renderConfigSchema } from "./cli.js";

/** Resolved from this file, not the working directory, so the script works from anywhere in the repo. */
export const CONFIG_SCHEMA_PATH = fileURLToPath(new URL("../../../config.schema.json", import.meta.url));

export function writeConfigSchema(path: string = CONFIG_SCHEMA_PATH): string {
  writeFileSync(path, renderConfigSchema());
  return path;
}

const invokedDirectly = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (invokedDirectly) {
  process.stdout.write(`wrote ${writeConfigSchema()}\n`);
}
