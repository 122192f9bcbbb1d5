/**
 * `discord register`: puts `/pve` where Discord shows it, a guild's commands (instant) or the global ones
 * (for every guild the bot is in). It reads what Discord has first and reports what is added, changed and
 * removed; the bulk overwrite (PUT) that follows replaces the application's commands in that scope, and is
 * skipped when nothing changed or on a dry run.
 */
import { type CommandChange, diffCommands } from "./diff.js";
import { type DiscordRestOptions, discordRest } from "./rest.js";
import type { ApplicationCommand } from "./types.js";

export interface RegisterRequest {
  commands: readonly ApplicationCommand[];
  /** Looked up from the token (`GET /applications/@me`) when not given. */
  applicationId?: string;
  /** Register in this guild only; global when absent. */
  guildId?: string;
  dryRun: boolean;
}

export interface RegisterResult {
  applicationId: string;
  scope: string;
  changes: CommandChange[];
  /** True when the PUT was sent. */
  applied: boolean;
}

const SNOWFLAKE = /^\d{15,21}$/;

export async function registerCommands(
  rest: DiscordRestOptions,
  request: RegisterRequest,
): Promise<RegisterResult> {
  if (request.guildId !== undefined && !SNOWFLAKE.test(request.guildId)) {
    throw new RangeError(`guild id "${request.guildId.slice(0, 40)}" is not a Discord id (15 to 21 digits)`);
  }
  const applicationId = request.applicationId ?? (await ownApplicationId(rest));
  if (!SNOWFLAKE.test(applicationId)) {
    throw new RangeError(
      `application id "${applicationId.slice(0, 40)}" is not a Discord id (15 to 21 digits)`,
    );
  }
  const route = request.guildId
    ? `/applications/${applicationId}/guilds/${request.guildId}/commands`
    : `/applications/${applicationId}/commands`;
  const existing = await discordRest(rest, "GET", route);
  const changes = diffCommands(request.commands, Array.isArray(existing) ? existing : []);
  const needed = changes.some((c) => c.kind !== "unchanged");
  if (needed && !request.dryRun) await discordRest(rest, "PUT", route, request.commands);
  return {
    applicationId,
    scope: request.guildId ? `guild ${request.guildId}` : "global",
    changes,
    applied: needed && !request.dryRun,
  };
}

async function ownApplicationId(rest: DiscordRestOptions): Promise<string> {
  const app = (await discordRest(rest, "GET", "/applications/@me")) as { id?: unknown } | undefined;
  if (typeof app?.id !== "string") throw new Error("Discord's GET /applications/@me answered without an id");
  return app.id;
}

/** The changes as lines for a terminal: one per command, the differences of a changed one under it. */
export function changeLines(result: RegisterResult, dryRun: boolean): string[] {
  const lines = [`Discord commands (${result.scope}, application ${result.applicationId}):`];
  for (const c of result.changes) {
    lines.push(`  ${c.kind.padEnd(9)} /${c.name}`);
    for (const d of c.details) lines.push(`              ${d}`);
  }
  const changed = result.changes.filter((c) => c.kind !== "unchanged").length;
  if (changed === 0) lines.push("nothing to change");
  else if (dryRun) lines.push(`dry run: ${changed} change(s) not sent`);
  else lines.push(`registered: ${changed} change(s) sent`);
  return lines;
}
