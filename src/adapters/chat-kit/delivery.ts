/**
 * The seam between a chat adapter and the outbox that delivers its messages. A platform's `DeliverySender`
 * makes one API call for one serializable `Delivery` (render and send); the outbox around it decides when
 * (order per conversation, pacing, retries, coalescing edits of one message, durability across restarts).
 * Deliveries hold only plain data, because a durable outbox keeps them in Redis and another process may send
 * them after a crash.
 */

import type { Notifier, PostOptions } from "../../services/ports.js";
import type { ConversationRef, MessageRef, Platform } from "../../services/vocabulary/identity.js";
import type { Reply } from "../../services/vocabulary/reply.js";

export type Delivery =
  | { kind: "post"; conversation: ConversationRef; reply: Reply }
  | { kind: "update"; message: MessageRef; reply: Reply }
  | { kind: "reply"; message: MessageRef; reply: Reply };

/** What the outbox does after a failed send. */
export type SendVerdict =
  /** The platform said when to come back (429 Retry-After); waiting does not use up an attempt. */
  | { kind: "retry-after"; ms: number }
  /** Transient (5xx, network): retried with backoff until the attempts run out. */
  | { kind: "backoff"; code: string }
  /** Final (bad payload, channel gone, no permission): counted, logged with `code`, never retried. */
  | { kind: "fail"; code: string };

export interface DeliverySender {
  readonly platform: Platform;
  /** Sends one delivery; the ref of the message posted (post, reply), or undefined for an update. */
  send(delivery: Delivery): Promise<MessageRef | undefined>;
  /** How to treat an error `send` threw. */
  classify(err: unknown): SendVerdict;
  /**
   * Where the delivery queues and which API method it calls, for ordering, pacing and logs. Without it the
   * lane is the delivery's channel and the method its kind. A platform may give private answers a lane of
   * their own, so they never wait behind a rate-limited channel.
   */
  route?(delivery: Delivery): DeliveryRoute;
  /**
   * Pacing at the platform's published rates, asked right before each send: 0 when the call may go now
   * (its slot is taken), else the milliseconds to wait before asking again. Without it only 429s slow down.
   */
  pace?(delivery: Delivery): number;
  /** The paced call came back (delivered or not): rates that count from a call's end start here. */
  settle?(delivery: Delivery): void;
}

export interface DeliveryRoute {
  lane: string;
  method: string;
}

/** The lane and method of a delivery, by the sender's `route` or else by its channel and kind. */
export function routeOf(sender: DeliverySender, delivery: Delivery): DeliveryRoute {
  if (sender.route) return sender.route(delivery);
  const channel = delivery.kind === "post" ? delivery.conversation.channelId : delivery.message.channelId;
  return { lane: channel, method: delivery.kind };
}

/** What an outbox did since it was made, for `/metrics` and benchmarks. */
export interface DeliveryStats {
  accepted: number;
  delivered: number;
  /** Items finally given up on; `failedByCode` splits them by the platform's error code. */
  failed: number;
  failedByCode: Record<string, number>;
  /** Sends retried after a transient error (5xx, network). */
  retried: number;
  /** 429s answered with a Retry-After that was waited out. */
  rateLimited: number;
  /** Edits (and keyed posts) merged into one still waiting, so only the latest is sent. */
  coalesced: number;
  /** Sends that waited for the pacer before going out. */
  paced: number;
  /** Items accepted and not yet delivered or failed (this process's view). */
  pending: number;
}

/** Makes the Notifier side of a chat adapter from its sender; the durable Redis outbox is one such factory. */
export type DeliveryFactory = (sender: DeliverySender) => DeliveryNotifier;

/** What a factory makes: a Notifier that may be closed (stop taking items, finish what is on the wire). */
export type DeliveryNotifier = ThreadedNotifier & {
  close?(): Promise<void>;
  stats?(): DeliveryStats;
};

/** A Notifier whose `reply` always exists, as every chat adapter's does. */
export type ThreadedNotifier = Notifier & Required<Pick<Notifier, "reply">>;

export class DeliveryFailedError extends Error {
  constructor(
    readonly platform: Platform,
    readonly code: string,
    readonly attempts: number,
  ) {
    super(`${platform} delivery failed: ${code}`);
    this.name = "DeliveryFailedError";
  }
}

const MAX_RATE_LIMIT_WAITS = 20;

/**
 * Sends at once, in the caller's order, honouring Retry-After and retrying transient errors a few times.
 * No durability and no coalescing: for tests and for a platform before the durable outbox is wired.
 */
export function directDelivery(
  sender: DeliverySender,
  options: { attempts?: number; sleep?: (ms: number) => Promise<void> } = {},
): ThreadedNotifier {
  const attempts = options.attempts ?? 3;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  async function send(delivery: Delivery): Promise<MessageRef | undefined> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await sender.send(delivery);
      } catch (err) {
        const verdict = sender.classify(err);
        // Rate-limit waits are bounded too, so a stuck channel cannot hold the caller forever.
        if (
          verdict.kind === "fail" ||
          attempt >= (verdict.kind === "backoff" ? attempts : MAX_RATE_LIMIT_WAITS)
        ) {
          const code = verdict.kind === "retry-after" ? "rate_limited" : verdict.code;
          throw new DeliveryFailedError(sender.platform, code, attempt);
        }
        await sleep(verdict.kind === "retry-after" ? verdict.ms : 250 * 2 ** (attempt - 1));
      }
    }
  }
  return {
    async post(conversation: ConversationRef, reply: Reply, _options?: PostOptions) {
      return (await send({ kind: "post", conversation, reply })) as MessageRef;
    },
    async update(message: MessageRef, reply: Reply) {
      await send({ kind: "update", message, reply });
    },
    async reply(message: MessageRef, reply: Reply) {
      return (await send({ kind: "reply", message, reply })) as MessageRef;
    },
  };
}
