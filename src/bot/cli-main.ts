/**
 * `proxmox-chatops <command>`: run (default), worker, config check|schema, audit export, discord register.
 */
import { parseArgs } from "node:util";
import { runAuditExport } from "../adapters/store/audit-export-cli.js";
import { UserError } from "../services/errors.js";
import { runConfigCommand } from "./config/cli.js";
import { collectSecretValues } from "./config/redact.js";
import { runDiscordRegister } from "./discord-register.js";
import { loadOrReport, type ProcessIo, runBot } from "./main.js";

const USAGE = `usage: proxmox-chatops [command] [--config FILE]

commands:
  run                       start the bot: chat front-ends, HTTP server, job worker (default)
  worker                    run only the job worker
  config check              print the effective configuration, secrets redacted
  config schema             print the configuration's JSON Schema
  audit export [--since 7d] [--format jsonl|csv]
                            write the audit stream to standard output
  discord register [--guild ID] [--dry-run]
                            register /pve with Discord and print what changed
`;

/** The flags of `audit export`; a flag it does not know is a usage error, not silently ignored. */
function auditExportFlags(argv: readonly string[]): { since?: string; format?: string } | { error: string } {
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: {
        config: { type: "string", short: "c" },
        since: { type: "string" },
        format: { type: "string" },
      },
      strict: true,
    });
    return values;
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

export async function main(io: ProcessIo): Promise<number> {
  const [command = "run", sub, ...rest] = io.argv;
  switch (command) {
    case "run":
    case "worker":
      return runBot({ ...io, argv: io.argv.slice(1) }, command);
    case "config":
      if (sub !== "check" && sub !== "schema") break;
      return runConfigCommand(sub, { argv: rest, env: io.env, stdout: io.stdout, stderr: io.stderr });
    case "audit": {
      if (sub !== "export") break;
      const flags = auditExportFlags(rest);
      if ("error" in flags) {
        io.stderr.write(`proxmox-chatops audit export: ${flags.error}\n${USAGE}`);
        return 2;
      }
      const loaded = loadOrReport({ ...io, argv: rest });
      if (!loaded.ok) return 1;
      try {
        await runAuditExport({
          redisUrl: loaded.config.redis.url,
          prefix: loaded.config.redis.prefix,
          since: flags.since ?? "7d",
          format: (flags.format ?? "jsonl") as "jsonl" | "csv",
          stdout: process.stdout,
          secrets: collectSecretValues(loaded.config),
        });
        return 0;
      } catch (err) {
        if (err instanceof UserError) {
          io.stderr.write(`proxmox-chatops audit export: ${err.message}\n`);
          return 1;
        }
        throw err;
      }
    }
    case "discord":
      if (sub !== "register") break;
      return runDiscordRegister({ ...io, argv: rest });
    case "help":
    case "--help":
    case "-h":
      io.stdout.write(USAGE);
      return 0;
  }
  io.stderr.write(`unknown command: ${[command, sub].filter(Boolean).join(" ")}\n${USAGE}`);
  return 2;
}
