/**
 * Plain data that crosses the line between chat adapters and the rest of the bot. Everything here must be
 * JSON-serializable: approvals and jobs store conversation and message refs in Redis and hand them to
 * other processes.
 */

export type Platform = "console" | "slack" | "discord";

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

export interface Invocation {
  actor: Actor;
  conversation: ConversationRef;
  /** The command text after the slash command, e.g. `template build ubuntu-24.04 --node pve1`. */
  text: string;
  requestId: string;
}

export interface ActionEvent {
  actor: Actor;
  conversation: ConversationRef;
  /** The message whose button was clicked. */
  message: MessageRef;
  /** The button id, e.g. `approval:<id>:approve`. */
  actionId: string;
  /** Free text that came with the action (a deny reason), when the platform collected one. */
  value?: string;
  requestId: string;
}
