/**
 * The delivery a Slack adapter uses when it is given no DeliveryFactory (tests and tools without Redis):
 * the in-memory outbox's lanes, pacing, retries and edit coalescing, in this process only, lost on a
 * crash. The bot itself always hands in the durable Redis outbox (src/bot/compose/chat.ts). Post keys are
 * ignored here, as PostOptions allows for notifiers without durable delivery.
 */
import type { MessageRef } from "../../services/vocabulary/identity.js";
import { type Delivery, type DeliveryFactory, type DeliveryStats, routeOf } from "../chat-kit/delivery.js";
import type { Outbox } from "./outbox.js";

export function memoryDelivery(outbox: Outbox): DeliveryFactory {
  return (sender) => {
    const run = (delivery: Delivery, coalesceKey?: string) => {
      const { lane, method } = routeOf(sender, delivery);
      return outbox.send(lane, method, () => sender.send(delivery), coalesceKey);
    };
    return {
      post: (conversation, reply) => run({ kind: "post", conversation, reply }) as Promise<MessageRef>,
      update: async (message, reply) => {
        await run({ kind: "update", message, reply }, `${message.channelId}:${message.messageId}`);
      },
      reply: (message, reply) => run({ kind: "reply", message, reply }) as Promise<MessageRef>,
    };
  };
}

/** The counters of two outboxes together: the durable one for messages, the in-memory one for files. */
export function addStats(a: DeliveryStats, b: DeliveryStats): DeliveryStats {
  const failedByCode = { ...a.failedByCode };
  for (const [code, n] of Object.entries(b.failedByCode)) failedByCode[code] = (failedByCode[code] ?? 0) + n;
  return {
    accepted: a.accepted + b.accepted,
    delivered: a.delivered + b.delivered,
    failed: a.failed + b.failed,
    failedByCode,
    retried: a.retried + b.retried,
    rateLimited: a.rateLimited + b.rateLimited,
    coalesced: a.coalesced + b.coalesced,
    paced: a.paced + b.paced,
    pending: a.pending + b.pending,
  };
}
