/**
 * Environment variables that override the configuration file. The table is data so that each new config
 * section only adds rows; the loader never reads `process.env` itself, the caller injects the environment.
 *
 * Every row also accepts `NAME_FILE`: the variable then names a file whose content (without the trailing
 * newline) is the value. That is how container secrets (`/run/secrets/...`) reach the bot without putting
 * the secret itself in the environment.
 */
import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";

/** How a variable's text becomes a config value. `list` is comma-separated, blanks dropped. */
export type EnvValueType = "string" | "number" | "boolean" | "list";

export interface EnvBinding {
  /** Variable name, e.g. `REDIS_URL`. `${name}_FILE` is accepted too. */
  name: string;
  /** Dotted config path the value is written to, e.g. `redis.url`. */
  path: string;
  type: EnvValueType;
  /** Never echo the value in an error message; count it among the values the logger scrubs. */
  secret?: boolean;
}

/** One problem found while loading the configuration. `path` says where; `message` never holds a secret. */
export interface ConfigError {
  path: string;
  message: string;
}

export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Rows for sections that are not in the schema yet (proxmox, slack) are listed so operators can set them
 * today; while the section is missing the loader reports the key as unknown and names the variable.
 */
export const ENV_BINDINGS: readonly EnvBinding[] = [
  { name: "REDIS_URL", path: "redis.url", type: "string" },
  { name: "PVEBOT_REDIS_PREFIX", path: "redis.prefix", type: "string" },
  { name: "PVEBOT_REDIS_CLUSTER", path: "redis.cluster", type: "boolean" },
  { name: "PVEBOT_HTTP_PORT", path: "http.port", type: "number" },
  { name: "PVEBOT_HTTP_HOST", path: "http.host", type: "string" },
  { name: "PVEBOT_HTTP_ADMIN_PORT", path: "http.adminPort", type: "number" },
  { name: "PVEBOT_HTTP_ADMIN_HOST", path: "http.adminHost", type: "string" },
  { name: "LOG_LEVEL", path: "log.level", type: "string" },
  { name: "LOG_FORMAT", path: "log.format", type: "string" },
  { name: "PVEBOT_RUN_WORKER", path: "jobs.runWorker", type: "boolean" },
  { name: "PROXMOX_URL", path: "proxmox.url", type: "string" },
  { name: "PROXMOX_TOKEN_ID", path: "proxmox.tokenId", type: "string" },
  { name: "PROXMOX_TOKEN_SECRET", path: "proxmox.tokenSecret", type: "string", secret: true },
  { name: "PROXMOX_TLS_FINGERPRINT", path: "proxmox.tlsFingerprint", type: "string" },
  { name: "PROXMOX_TLS_CA_FILE", path: "proxmox.tlsCaFile", type: "string" },
  { name: "PROXMOX_ALLOW_INSECURE_HTTP", path: "proxmox.allowInsecureHttp", type: "boolean" },
  { name: "SLACK_BOT_TOKEN", path: "slack.botToken", type: "string", secret: true },
  { name: "SLACK_SIGNING_SECRET", path: "slack.signingSecret", type: "string", secret: true },
  { name: "SLACK_APP_TOKEN", path: "slack.appToken", type: "string", secret: true },
  { name: "SLACK_API_URL", path: "slack.apiUrl", type: "string" },
  // Alert sources are named in config; these rows serve the conventional names grafana and alertmanager.
  {
    name: "PVEBOT_GRAFANA_WEBHOOK_SECRET",
    path: "alerts.sources.grafana.auth.secret",
    type: "string",
    secret: true,
  },
  {
    name: "PVEBOT_GRAFANA_WEBHOOK_TOKEN",
    path: "alerts.sources.grafana.auth.token",
    type: "string",
    secret: true,
  },
  {
    name: "PVEBOT_GRAFANA_API_TOKEN",
    path: "alerts.sources.grafana.silences.auth.token",
    type: "string",
    secret: true,
  },
  {
    name: "PVEBOT_ALERTMANAGER_WEBHOOK_TOKEN",
    path: "alerts.sources.alertmanager.auth.token",
    type: "string",
    secret: true,
  },
  {
    name: "PVEBOT_ALERTMANAGER_WEBHOOK_PASSWORD",
    path: "alerts.sources.alertmanager.auth.password",
    type: "string",
    secret: true,
  },
  { name: "DISCORD_TOKEN", path: "discord.token", type: "string", secret: true },
  { name: "DISCORD_APP_ID", path: "discord.appId", type: "string" },
  { name: "DISCORD_GUILD_IDS", path: "discord.guildIds", type: "list" },
  { name: "DISCORD_API_URL", path: "discord.apiUrl", type: "string" },
  { name: "DISCORD_GATEWAY_URL", path: "discord.gatewayUrl", type: "string" },
];

/** A value taken from the environment, with the variable it came from (for error messages and `source`). */
export interface EnvOverride {
  binding: EnvBinding;
  value: string | number | boolean | string[];
  /** `REDIS_URL`, or `PROXMOX_TOKEN_SECRET_FILE` when read from a file. */
  from: string;
}

export interface EnvReadResult {
  overrides: EnvOverride[];
  errors: ConfigError[];
  /** Raw text of every secret read, so the loader can scrub it from any message. */
  secretValues: string[];
}

export interface EnvReadOptions {
  /** Relative `_FILE` paths are resolved against this directory. */
  cwd: string;
  readFile?: (path: string) => string;
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const TRUE = new Set(["true", "1", "yes", "on"]);
const FALSE = new Set(["false", "0", "no", "off"]);

/** Empty strings count as unset, as `FOO=` in a compose file usually means "not configured". */
function present(value: string | undefined): value is string {
  return value !== undefined && value !== "";
}

function quoteUnlessSecret(binding: EnvBinding, raw: string): string {
  return binding.secret ? "(value hidden)" : JSON.stringify(raw);
}

/** Converts one variable's text to its typed value, or explains why it cannot. */
export function parseEnvValue(
  binding: EnvBinding,
  raw: string,
  from: string,
): { ok: true; value: EnvOverride["value"] } | { ok: false; message: string } {
  switch (binding.type) {
    case "string":
      return { ok: true, value: raw };
    case "number": {
      const text = raw.trim();
      if (!NUMBER.test(text)) {
        return { ok: false, message: `${from}: expected a number, got ${quoteUnlessSecret(binding, raw)}` };
      }
      return { ok: true, value: Number(text) };
    }
    case "boolean": {
      const text = raw.trim().toLowerCase();
      if (TRUE.has(text)) return { ok: true, value: true };
      if (FALSE.has(text)) return { ok: true, value: false };
      return {
        ok: false,
        message: `${from}: expected true/false (also 1/0, yes/no, on/off), got ${quoteUnlessSecret(binding, raw)}`,
      };
    }
    case "list":
      return {
        ok: true,
        value: raw
          .split(",")
          .map((item) => item.trim())
          .filter((item) => item !== ""),
      };
  }
}

function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case "ENOENT":
      return "no such file";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EISDIR":
      return "it is a directory, not a file";
    default:
      return code ?? "unreadable";
  }
}

/** Reads a whole file as UTF-8, turning the failure into a short reason without the file's content. */
export function readTextFile(
  path: string,
  readFile: (path: string) => string,
): { ok: true; text: string } | { ok: false; reason: string } {
  try {
    return { ok: true, text: readFile(path) };
  } catch (err) {
    return { ok: false, reason: describeFsError(err) };
  }
}

const defaultReadFile = (path: string): string => readFileSync(path, "utf8");

/**
 * Collects every override the environment asks for. Problems are collected, not thrown, so the operator
 * sees all of them at once. Setting both `NAME` and `NAME_FILE` is refused because either choice would
 * silently ignore something the operator wrote.
 */
export function readEnvOverrides(
  env: Environment,
  bindings: readonly EnvBinding[],
  options: EnvReadOptions,
): EnvReadResult {
  const readFile = options.readFile ?? defaultReadFile;
  const result: EnvReadResult = { overrides: [], errors: [], secretValues: [] };
  for (const binding of bindings) {
    const direct = env[binding.name];
    const fileName = `${binding.name}_FILE`;
    const filePath = env[fileName];
    if (present(direct) && present(filePath)) {
      result.errors.push({
        path: binding.path,
        message: `both ${binding.name} and ${fileName} are set; set only one`,
      });
      if (binding.secret) result.secretValues.push(direct);
      continue;
    }
    let raw: string;
    let from: string;
    if (present(direct)) {
      raw = direct;
      from = binding.name;
    } else if (present(filePath)) {
      const absolute = isAbsolute(filePath) ? filePath : resolve(options.cwd, filePath);
      const read = readTextFile(absolute, readFile);
      if (!read.ok) {
        result.errors.push({
          path: binding.path,
          message: `${fileName}: cannot read ${absolute}: ${read.reason}`,
        });
        continue;
      }
      raw = read.text.replace(/\r?\n$/, "");
      from = fileName;
    } else {
      continue;
    }
    if (binding.secret && raw !== "") result.secretValues.push(raw);
    const parsed = parseEnvValue(binding, raw, from);
    if (parsed.ok) result.overrides.push({ binding, value: parsed.value, from });
    else result.errors.push({ path: binding.path, message: parsed.message });
  }
  return result;
}
