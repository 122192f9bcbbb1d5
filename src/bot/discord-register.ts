/**
 * `proxmox-chatops discord register [--guild ID] [--dry-run] [--app-id ID]`: registers `/pve`, built from
 * the command registry, with Discord and prints what changed. Credentials come from the environment only
 * (`DISCORD_TOKEN` or `DISCORD_TOKEN_FILE`, `DISCORD_APP_ID`, `DISCORD_API_URL`), so it runs before any
 * config file exists; the token never reaches the output.
 */
import { parseArgs } from "node:util";
import { buildPveCommand } from "../adapters/discord/commands/build.js";
import { changeLines, registerCommands } from "../adapters/discord/commands/register.js";
import { DiscordRestError } from "../adapters/discord/commands/rest.js";
import { ALL_COMMANDS } from "../commands/index.js";
import type { EnvBinding } from "./config/env.js";
import { readEnvOverrides } from "./config/env.js";
import type { ProcessIo } from "./main.js";
import { packageVersion } from "./version.js";

const DEFAULT_API_URL = "https://discord.com/api/v10";

const BINDINGS: readonly EnvBinding[] = [
  { name: "DISCORD_TOKEN", path: "token", type: "string", secret: true },
  { name: "DISCORD_APP_ID", path: "appId", type: "string" },
  { name: "DISCORD_API_URL", path: "apiUrl", type: "string" },
];

const DISCORD_REGISTER_USAGE = `usage: proxmox-chatops discord register [--guild ID] [--dry-run] [--app-id ID]
  registers /pve in one guild (instant) or globally; env DISCORD_TOKEN or DISCORD_TOKEN_FILE,
  DISCORD_APP_ID (else asked from Discord), DISCORD_API_URL (default ${DEFAULT_API_URL})
`;

export async function runDiscordRegister(io: ProcessIo, cwd = process.cwd()): Promise<number> {
  let flags: { guild?: string; "dry-run"?: boolean; "app-id"?: string };
  try {
    flags = parseArgs({
      args: [...io.argv],
      options: { guild: { type: "string" }, "dry-run": { type: "boolean" }, "app-id": { type: "string" } },
      strict: true,
    }).values;
  } catch (err) {
    io.stderr.write(`proxmox-chatops discord register: ${(err as Error).message}\n${DISCORD_REGISTER_USAGE}`);
    return 2;
  }
  const env = readEnvOverrides(io.env, BINDINGS, { cwd });
  const value = (path: string) =>
    env.overrides.find((o) => o.binding.path === path)?.value as string | undefined;
  const problems = env.errors.map((e) => e.message);
  const token = value("token");
  if (!token && problems.length === 0)
    problems.push("set DISCORD_TOKEN or DISCORD_TOKEN_FILE to the bot token");
  const apiUrl = value("apiUrl") ?? DEFAULT_API_URL;
  if (!/^https?:\/\/\S+$/.test(apiUrl)) problems.push(`DISCORD_API_URL is not an http(s) URL`);
  if (problems.length > 0 || !token) {
    io.stderr.write(`proxmox-chatops discord register: ${problems.join("; ")}\n`);
    return 1;
  }
  const dryRun = flags["dry-run"] === true;
  try {
    const result = await registerCommands(
      { apiUrl, token, version: packageVersion() },
      {
        commands: [buildPveCommand(ALL_COMMANDS)],
        applicationId: flags["app-id"] ?? value("appId"),
        guildId: flags.guild,
        dryRun,
      },
    );
    io.stdout.write(`${changeLines(result, dryRun).join("\n")}\n`);
    return 0;
  } catch (err) {
    if (err instanceof DiscordRestError || err instanceof RangeError) {
      io.stderr.write(`proxmox-chatops discord register: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}
