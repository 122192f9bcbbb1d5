/**
 * Who used an interaction, as an Actor: the Discord user id, and the member's guild role ids as groups, so
 * RBAC bindings name `discord:user:<id>` and `discord:role:<id>`. Only guild interactions in the configured
 * guilds are accepted: in a DM there are no roles to bind, and another guild is not one the operator chose.
 */
import type { Actor } from "../../services/vocabulary/identity.js";

/** The fields of a raw interaction that say who and where. */
export interface InteractionWho {
  guild_id?: string;
  member?: { user?: DiscordUser; roles?: string[]; nick?: string | null };
  user?: DiscordUser;
}

interface DiscordUser {
  id: string;
  username: string;
  global_name?: string | null;
}

export type Identified = { ok: true; actor: Actor } | { ok: false; reason: "dm" | "guild"; message: string };

export const DM_REFUSAL =
  "This bot takes commands in the server channels it was added to, not in direct messages: roles decide what you may do, and a DM has none.";
export const GUILD_REFUSAL =
  "This server is not one this bot is configured for; ask its operator to add the server's id to DISCORD_GUILD_IDS.";

export function identify(who: InteractionWho, guilds: ReadonlySet<string>): Identified {
  if (!who.guild_id || !who.member?.user) return { ok: false, reason: "dm", message: DM_REFUSAL };
  if (!guilds.has(who.guild_id)) return { ok: false, reason: "guild", message: GUILD_REFUSAL };
  const user = who.member.user;
  return {
    ok: true,
    actor: {
      platform: "discord",
      id: user.id,
      name: who.member.nick || user.global_name || user.username,
      groups: [...(who.member.roles ?? [])],
    },
  };
}

/** The user of any interaction, guild or not (for logs and refusals). */
export function userIdOf(who: InteractionWho): string {
  return who.member?.user?.id ?? who.user?.id ?? "unknown";
}
