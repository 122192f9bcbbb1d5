import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { renderConfigSchema, runConfigCommand } from "../../src/bot/config/cli.js";
import { loadConfig } from "../../src/bot/config/load.js";
import { configSchema } from "../../src/bot/config/schema.js";
import { CONFIG_SCHEMA_PATH } from "../../src/bot/config/write-schema.js";
import { schemaWithSecrets, scratchDir } from "./helpers.js";

const EXAMPLE = new URL("../../config.example.yml", import.meta.url);

function sinks() {
  const out = { stdout: "", stderr: "" };
  return {
    out,
    stdout: { write: (s: string) => (out.stdout += s) },
    stderr: { write: (s: string) => (out.stderr += s) },
  };
}

let scratch: ReturnType<typeof scratchDir>;
beforeEach(() => {
  scratch = scratchDir();
});
afterEach(() => scratch.cleanup());

describe("config check", () => {
  it("prints the effective config as YAML with secrets redacted", async () => {
    const io = sinks();
    const secret = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
    const file = scratch.write("c.yml", "http: { port: 9090 }\n");
    const code = await runConfigCommand("check", {
      argv: ["--config", file],
      env: {
        REDIS_URL: "redis://:redis-pass-42@cache:6379",
        PROXMOX_URL: "https://pve:8006",
        PROXMOX_TOKEN_ID: "bot@pve!ops",
        PROXMOX_TOKEN_SECRET: secret,
      },
      stdout: io.stdout,
      stderr: io.stderr,
      schema: schemaWithSecrets,
    });
    expect(code).toBe(0);
    const shown = parseYaml(io.out.stdout);
    expect(shown.http.port).toBe(9090);
    expect(shown.proxmox.tokenSecret).toBe("[redacted]");
    expect(shown.redis.url).toBe("redis://:[redacted]@cache:6379");
    expect(io.out.stdout + io.out.stderr).not.toContain(secret);
    expect(io.out.stdout + io.out.stderr).not.toContain("redis-pass-42");
    expect(io.out.stderr).toContain(`file: ${file}`);
    expect(io.out.stderr).toContain("PROXMOX_TOKEN_SECRET");
  });

  it("prints JSON with --json or --format json", async () => {
    for (const argv of [["--json"], ["--format", "json"], ["--format=json"]]) {
      const io = sinks();
      expect(await runConfigCommand("check", { argv, env: {}, stdout: io.stdout, stderr: io.stderr })).toBe(
        0,
      );
      expect(JSON.parse(io.out.stdout).redis.prefix).toBe("pvebot:");
    }
  });

  it("exits 1 and lists the problems on stderr, nothing on stdout", async () => {
    const io = sinks();
    const code = await runConfigCommand("check", {
      argv: [],
      env: { PVEBOT_HTTP_PORT: "x", LOG_FORMAT: "xml" },
      stdout: io.stdout,
      stderr: io.stderr,
    });
    expect(code).toBe(1);
    expect(io.out.stdout).toBe("");
    expect(io.out.stderr).toContain("http.port: PVEBOT_HTTP_PORT: expected a number");
    expect(io.out.stderr).toMatch(/log\.format: Invalid option: .* \(set by LOG_FORMAT\)/);
  });

  it("exits 2 on a bad --format", async () => {
    const io = sinks();
    const code = await runConfigCommand("check", {
      argv: ["--format", "toml"],
      env: {},
      stdout: io.stdout,
      stderr: io.stderr,
    });
    expect(code).toBe(2);
    expect(io.out.stderr).toBe('--format must be yaml or json, got "toml"\n');
  });
});

describe("config schema", () => {
  it("prints the JSON Schema of the configuration input", async () => {
    const io = sinks();
    expect(
      await runConfigCommand("schema", { argv: [], env: {}, stdout: io.stdout, stderr: io.stderr }),
    ).toBe(0);
    const schema = JSON.parse(io.out.stdout);
    expect(schema.$schema).toBe("http://json-schema.org/draft-07/schema#");
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties)).toEqual(Object.keys(configSchema.shape));
  });

  it("config.schema.json is in sync with the zod schema", () => {
    const shipped = readFileSync(CONFIG_SCHEMA_PATH, "utf8");
    expect(
      shipped === renderConfigSchema(),
      "config.schema.json is out of date: run `npx tsx src/bot/config/write-schema.ts` (npm run config:schema)",
    ).toBe(true);
  });

  it("the example config is valid for both the zod schema and the shipped JSON Schema", () => {
    const result = loadConfig({ argv: ["--config", EXAMPLE.pathname], env: {} });
    expect(result.ok ? [] : result.errors).toEqual([]);
    const ajv = new Ajv({ allErrors: true, strict: false });
    const validate = ajv.compile(JSON.parse(readFileSync(CONFIG_SCHEMA_PATH, "utf8")));
    expect(validate(parseYaml(readFileSync(EXAMPLE, "utf8"))), JSON.stringify(validate.errors)).toBe(true);
  });

  it("the example's commented-out proxmox section is valid once uncommented, with the secret from the env", () => {
    const text = readFileSync(EXAMPLE, "utf8");
    const block = text.slice(text.indexOf("# proxmox:"));
    const uncommented = block
      .split("\n")
      .map((line) => line.replace(/^# ?/, ""))
      .join("\n");
    const file = scratch.write("proxmox.yml", uncommented);
    const result = loadConfig({
      argv: ["--config", file],
      env: { PROXMOX_TOKEN_SECRET: "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0" },
    });
    expect(result.ok ? [] : result.errors).toEqual([]);
    expect(result.ok && result.config.proxmox?.tokenId).toBe("chatops@pve!bot");
  });

  it("the JSON Schema rejects what the loader rejects: unknown keys and bad durations", () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    const validate = ajv.compile(JSON.parse(renderConfigSchema()));
    expect(validate({ http: { prot: 1 } })).toBe(false);
    expect(validate({ approvals: { sweepInterval: "5 minutes" } })).toBe(false);
    expect(validate({ approvals: { sweepInterval: "5m" } })).toBe(true);
  });
});
