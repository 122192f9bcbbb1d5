/**
 * The shared vocabulary of identities and places: who acts (actor, role) and where (conversation and message
 * refs). Every layer may import it. Everything here must be
 * JSON-serializable: approvals and jobs store conversation and message refs in Redis and hand them to
 * other processes.
 */

/** Every chat platform the bot knows; config patterns and job payload schemas are built from this list. */
export const PLATFORMS = ["console", "slack", "discord"] as const;
export type Platform = (typeof PLATFORMS)[number];

/** `console|slack|discord`, for the regular expressions that match `<platform>:…` subjects in config. */
export const PLATFORM_PATTERN = PLATFORMS.join("|");

export const ROLES = ["viewer", "operator", "approver", "admin"] as const;
export type Role = (typeof ROLES)[number];

export interface Actor {
  platform: Platform;
  /** Platform user id (Slack U…, Discord snowflake, console user name). */
  id: string;
  /** Display name, for audit and outcome lines. */
  name: string;
  /** Platform groups the user is in: Slack user-group ids, Discord role ids, console groups. */
  groups: string[];
  /**
   * The configured person (`people:`) this identity belongs to. Set only by the dispatcher from config,
   * never taken from a platform, so identities of one person count once for approvals.
   */
  person?: string;
}

/** Where a conversation happens. `extra` holds adapter-private routing data (e.g. Slack response_url). */
export interface ConversationRef {
  platform: Platform;
  channelId: string;
  threadId?: string;
  extra?: Record<string, string>;
}

/** A posted message that can be edited later. */
export interface MessageRef {
  platform: Platform;
  channelId: string;
  messageId: string;
  extra?: Record<string, string>;
}
