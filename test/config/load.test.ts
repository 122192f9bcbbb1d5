import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { formatConfigErrors, loadConfig } from "../../src/bot/config/load.js";
import { configSchema } from "../../src/bot/config/schema.js";
import { schemaWithSecrets, scratchDir } from "./helpers.js";

let scratch: ReturnType<typeof scratchDir>;
beforeEach(() => {
  scratch = scratchDir();
});
afterEach(() => scratch.cleanup());

function errorsOf(result: ReturnType<typeof loadConfig>) {
  if (result.ok) throw new Error(`expected errors, got a valid config: ${JSON.stringify(result.config)}`);
  return result.errors;
}

describe("loadConfig: sources and precedence", () => {
  it("uses the defaults when there is no file and no override", () => {
    const result = loadConfig({ env: {}, cwd: scratch.dir });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.redis).toEqual({ url: "redis://127.0.0.1:6379", prefix: "pvebot:", cluster: false });
    expect(result.config.http.port).toBe(8080);
    expect(result.source).toEqual({ env: [] });
  });

  it("lets the environment override the file, key by key", () => {
    const file = scratch.write(
      "c.yml",
      "redis:\n  url: redis://file:6379\n  prefix: 'file:'\nhttp:\n  port: 9000\n",
    );
    const result = loadConfig({
      argv: ["--config", file],
      env: { PVEBOT_REDIS_PREFIX: "env:", PVEBOT_RUN_WORKER: "no", LOG_LEVEL: "debug" },
    });
    if (!result.ok) throw new Error(formatConfigErrors(result.errors));
    expect(result.config.redis).toEqual({ url: "redis://file:6379", prefix: "env:", cluster: false });
    expect(result.config.http.port).toBe(9000);
    expect(result.config.jobs.runWorker).toBe(false);
    expect(result.config.log.level).toBe("debug");
    expect(result.source.file).toBe(file);
    expect(result.source.env.sort()).toEqual(["LOG_LEVEL", "PVEBOT_REDIS_PREFIX", "PVEBOT_RUN_WORKER"]);
  });

  it("takes the file from PVEBOT_CONFIG, lets --config win, and resolves relative paths against cwd", () => {
    scratch.write("from-env.yml", "http: { port: 1111 }\n");
    scratch.write("sub/from-arg.yml", "http: { port: 2222 }\n");
    const viaEnv = loadConfig({ env: { PVEBOT_CONFIG: "from-env.yml" }, cwd: scratch.dir });
    expect(viaEnv.ok && viaEnv.config.http.port).toBe(1111);
    const viaArg = loadConfig({
      argv: ["run", "--config=sub/from-arg.yml"],
      env: { PVEBOT_CONFIG: "from-env.yml" },
      cwd: scratch.dir,
    });
    expect(viaArg.ok && viaArg.config.http.port).toBe(2222);
    expect(viaArg.ok && viaArg.source.file).toBe(join(scratch.dir, "sub/from-arg.yml"));
  });

  it("never reads process.env: only the injected environment counts", () => {
    const before = process.env.PVEBOT_HTTP_PORT;
    process.env.PVEBOT_HTTP_PORT = "4321";
    try {
      const result = loadConfig({ env: {}, cwd: scratch.dir });
      expect(result.ok && result.config.http.port).toBe(8080);
    } finally {
      if (before === undefined) delete process.env.PVEBOT_HTTP_PORT;
      else process.env.PVEBOT_HTTP_PORT = before;
    }
  });

  it("treats an empty variable as unset", () => {
    const result = loadConfig({ env: { PVEBOT_HTTP_PORT: "", LOG_LEVEL: "" }, cwd: scratch.dir });
    expect(result.ok && result.config.http.port).toBe(8080);
    expect(result.ok && result.source.env).toEqual([]);
  });

  it("accepts an empty file as all defaults", () => {
    const file = scratch.write("empty.yml", "# nothing yet\n");
    const result = loadConfig({ argv: ["-c", file], env: {} });
    expect(result.ok && result.config.log).toEqual({ level: "info", format: "auto" });
  });
});

describe("loadConfig: errors", () => {
  it("reports a YAML syntax error with its line and column", () => {
    const file = scratch.write("bad.yml", "redis:\n  url: redis://x:6379\nhttp:\n  port: [8080\n");
    const errors = errorsOf(loadConfig({ argv: ["--config", file], env: {} }));
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(errors[0]!.path).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:\\d+:\\d+$`));
    expect(errors[0]!.message).toMatch(/^YAML syntax error: /);
    const line = Number(errors[0]!.path.split(":").at(-2));
    expect(line).toBeGreaterThanOrEqual(4);
  });

  it("reports duplicate keys and a file that is not a mapping", () => {
    const dup = scratch.write("dup.yml", "http:\n  port: 1\n  port: 2\n");
    expect(errorsOf(loadConfig({ argv: ["--config", dup], env: {} }))[0]!.path).toBe(`${dup}:3:3`);
    const list = scratch.write("list.yml", "- a\n- b\n");
    expect(errorsOf(loadConfig({ argv: ["--config", list], env: {} }))).toEqual([
      { path: list, message: "the file must hold a mapping (key: value lines), not a list" },
    ]);
  });

  it("reports a missing file, a directory, and --config without a value", () => {
    expect(errorsOf(loadConfig({ argv: ["--config", "nope.yml"], env: {}, cwd: scratch.dir }))).toEqual([
      { path: join(scratch.dir, "nope.yml"), message: "cannot read the config file: no such file" },
    ]);
    expect(errorsOf(loadConfig({ argv: ["--config", scratch.dir], env: {} }))[0]!.message).toBe(
      "cannot read the config file: it is a directory, not a file",
    );
    expect(errorsOf(loadConfig({ argv: ["--config"], env: {} }))[0]!.path).toBe("--config");
  });

  it("reports an environment number that is not a number, naming the variable", () => {
    const errors = errorsOf(loadConfig({ env: { PVEBOT_HTTP_PORT: "80a" }, cwd: scratch.dir }));
    expect(errors).toEqual([
      { path: "http.port", message: 'PVEBOT_HTTP_PORT: expected a number, got "80a"' },
    ]);
    const bool = errorsOf(loadConfig({ env: { PVEBOT_RUN_WORKER: "maybe" }, cwd: scratch.dir }));
    expect(bool[0]!.message).toMatch(/^PVEBOT_RUN_WORKER: expected true\/false/);
  });

  it("names an out-of-range environment value's variable in the schema error", () => {
    const errors = errorsOf(loadConfig({ env: { PVEBOT_HTTP_PORT: "70000" }, cwd: scratch.dir }));
    expect(errors).toHaveLength(1);
    expect(errors[0]!.path).toBe("http.port");
    expect(errors[0]!.message).toMatch(/<=65535.*\(set by PVEBOT_HTTP_PORT\)$/);
  });

  it("rejects unknown keys, says which, and suggests the likely one", () => {
    const file = scratch.write("typo.yml", "http:\n  prot: 80\nredis:\n  url: redis://h\nmystery: 1\n");
    const errors = errorsOf(loadConfig({ argv: ["--config", file], env: {} }));
    expect(errors).toContainEqual({ path: "http.prot", message: 'unknown key "prot"; did you mean "port"?' });
    expect(errors).toContainEqual({
      path: "mystery",
      message: `unknown key "mystery"; allowed here: ${Object.keys(configSchema.shape).join(", ")}`,
    });
  });

  it("lists every problem at once: schema, file keys, env numbers and unreadable _FILE", () => {
    const file = scratch.write(
      "many.yml",
      [
        "redis: { url: 'http://wrong', prefix: 'no-colon' }",
        "log: { level: loud }",
        "rbac:",
        "  bindings:",
        "    - role: god",
        "      subjects: []",
        "approvals:",
        "  commands:",
        "    template.delete: { required: 0, expiry: 5 minutes }",
        "jobs: { concurrency: 0, extra: true }",
      ].join("\n"),
    );
    const errors = errorsOf(
      loadConfig({
        argv: ["--config", file],
        env: { PVEBOT_HTTP_PORT: "eighty", PVEBOT_REDIS_PREFIX_FILE: join(scratch.dir, "missing") },
        cwd: scratch.dir,
      }),
    );
    const paths = errors.map((e) => e.path).sort();
    expect(paths).toEqual(
      [
        "http.port",
        "redis.prefix",
        "redis.url",
        "redis.prefix",
        "log.level",
        "rbac.bindings[0].role",
        "rbac.bindings[0].subjects",
        'approvals.commands["template.delete"].required',
        'approvals.commands["template.delete"].expiry',
        "jobs.concurrency",
        "jobs.extra",
      ].sort(),
    );
    expect(errors.find((e) => e.path === 'approvals.commands["template.delete"].expiry')!.message).toBe(
      "use a duration like 30s, 15m, 2h, 1d",
    );
    const text = formatConfigErrors(errors);
    expect(text.split("\n")[0]).toBe(`configuration errors (${errors.length} problems):`);
    for (const e of errors) expect(text).toContain(`  ${e.path}: ${e.message}\n`);
  });

  it("still reports environment problems when the file cannot be parsed", () => {
    const file = scratch.write("broken.yml", "http:\n  port: 8080\n bad-indent: [\n");
    const errors = errorsOf(
      loadConfig({
        argv: ["--config", file],
        env: {
          PVEBOT_HTTP_PORT: "70000",
          PVEBOT_RUN_WORKER: "sometimes",
          PVEBOT_REDIS_PREFIX_FILE: "missing-prefix-file",
          LOG_LEVEL: "debug",
        },
        cwd: scratch.dir,
      }),
    );
    const paths = errors.map((e) => e.path);
    expect(paths.some((p) => p.startsWith(`${file}:`))).toBe(true);
    expect(paths.filter((p) => !p.startsWith(`${file}:`)).sort()).toEqual([
      "http.port",
      "jobs.runWorker",
      "redis.prefix",
    ]);
    expect(errors.find((e) => e.path === "http.port")!.message).toMatch(/\(set by PVEBOT_HTTP_PORT\)$/);
  });

  it("refuses to set a value inside a key that the file made a scalar", () => {
    const file = scratch.write("scalar.yml", "redis: localhost\n");
    const errors = errorsOf(loadConfig({ argv: ["--config", file], env: { REDIS_URL: "redis://h:1" } }));
    expect(errors[0]).toEqual({
      path: "redis.url",
      message: "REDIS_URL: cannot set redis.url because redis in the file is not a mapping",
    });
  });

  it("reports a required key of a section as required", () => {
    const file = scratch.write("partial.yml", "proxmox:\n  url: https://pve:8006\n");
    const errors = errorsOf(loadConfig({ argv: ["--config", file], env: {}, schema: schemaWithSecrets }));
    expect(errors).toContainEqual({ path: "proxmox.tokenId", message: "required: expected string" });
  });
});
