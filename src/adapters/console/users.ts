/**
 * Console identities come from configuration (`console.users`), because a terminal has no login of its
 * own: whoever holds the keyboard says who they are with `:as`. That is fine for a demo and for a single
 * operator's machine; it is no authentication, so a deployment exposed to others uses Slack or Discord.
 */
import type { Actor } from "../../services/vocabulary/identity.js";

export interface ConsoleUser {
  name?: string;
  groups: string[];
}

/** The actor for a console user; a user without a display name is shown by id. */
export function consoleActor(users: Record<string, ConsoleUser>, user: string): Actor {
  const configured = users[user];
  return {
    platform: "console",
    id: user,
    name: configured?.name ?? user,
    groups: [...(configured?.groups ?? [])],
  };
}

/** Configured users plus the starting user (who may be unconfigured, e.g. the default `console`), sorted. */
export function knownConsoleUsers(users: Record<string, ConsoleUser>, startUser: string): string[] {
  return [...new Set([...Object.keys(users), startUser])].sort();
}
