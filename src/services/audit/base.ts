/**
 * The fields every audit record of one request shares. The actor is projected to the three fields the
 * stream keeps (platform, id, name): groups and the person key describe access, not the event, and would
 * only make records longer and easier to misread.
 */

import type { Actor, ConversationRef } from "../vocabulary/identity.js";
import type { AuditRecord } from "./record.js";

/** Who acted, where, under which request. */
export interface AuditSubject {
  actor: Actor;
  conversation: ConversationRef;
  requestId: string;
}

export type AuditBase = Required<Pick<AuditRecord, "requestId" | "actor" | "channel">>;

export function auditBase(subject: AuditSubject): AuditBase {
  const { platform, id, name } = subject.actor;
  return {
    requestId: subject.requestId,
    actor: { platform, id, name },
    channel: subject.conversation.channelId,
  };
}
