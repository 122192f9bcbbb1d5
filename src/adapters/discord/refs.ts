/**
 * What the Discord adapter keeps inside refs (plain strings in `extra`, so refs survive storage): the
 * interaction token that lets the bot edit an interaction's messages, until when it may be used, and whether
 * the message is ephemeral. Interaction tokens live 15 minutes; the adapter stops using one a minute early so
 * a slow call never meets an expired token.
 */
import type { ConversationRef, MessageRef } from "../../services/vocabulary/identity.js";

export const TOKEN_LIFETIME_MS = 15 * 60_000;
export const TOKEN_MARGIN_MS = 60_000;

export const EXTRA = {
  /** Interaction token. */
  token: "it",
  /** Epoch ms until which the token may be used. */
  usableUntil: "iu",
  /** "1" for an ephemeral message (or a deferral that was ephemeral). */
  ephemeral: "eph",
  /** The user who used the interaction. */
  userId: "uid",
} as const;

/** Discord's name, in webhook routes, for an interaction's response message. */
export const ORIGINAL = "@original";

/**
 * The message id of an interaction's deferred response in a ref, before its message exists: unique per
 * interaction, so an outbox that orders or coalesces edits by message never mixes two interactions' answers.
 */
export function originalId(interactionId: string): string {
  return `${ORIGINAL}:${interactionId}`;
}

export function isOriginal(messageId: string): boolean {
  return messageId.startsWith(`${ORIGINAL}:`);
}

export interface InteractionToken {
  token: string;
  usableUntil: number;
}

export function tokenOf(ref: { extra?: Record<string, string> }): InteractionToken | undefined {
  const token = ref.extra?.[EXTRA.token];
  const until = Number(ref.extra?.[EXTRA.usableUntil]);
  return token && Number.isFinite(until) ? { token, usableUntil: until } : undefined;
}

export function tokenExtra(token: InteractionToken): Record<string, string> {
  return { [EXTRA.token]: token.token, [EXTRA.usableUntil]: String(token.usableUntil) };
}

export function isEphemeral(ref: MessageRef): boolean {
  return ref.extra?.[EXTRA.ephemeral] === "1";
}

export function interactionConversation(
  channelId: string,
  token: InteractionToken,
  userId: string,
): ConversationRef {
  return { platform: "discord", channelId, extra: { ...tokenExtra(token), [EXTRA.userId]: userId } };
}

export function interactionMessage(
  channelId: string,
  messageId: string,
  token: InteractionToken,
  ephemeral: boolean,
): MessageRef {
  return {
    platform: "discord",
    channelId,
    messageId,
    extra: { ...tokenExtra(token), [EXTRA.ephemeral]: ephemeral ? "1" : "0" },
  };
}
