/** Shared set-up for the durable outbox tests: a unique prefix on the real Redis, and a recording sender. */
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import type { Delivery, DeliverySender, SendVerdict } from "../../src/adapters/chat-kit/delivery.js";
import { RedisOutbox, type RedisOutboxOptions } from "../../src/adapters/store/outbox/redis-outbox.js";
import { deleteKeysWithPrefix } from "../../src/adapters/store/redis.js";
import type { MessageRef } from "../../src/services/vocabulary/identity.js";
import { memoryLog } from "../slack/helpers.js";

export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

/** An error the recording sender throws, carrying the verdict it wants. */
export class Scripted extends Error {
  constructor(readonly verdict: SendVerdict) {
    super(verdict.kind === "retry-after" ? "rate limited" : verdict.code);
  }
}

export interface RecordingSender extends DeliverySender {
  sent: Delivery[];
  /** Called before each send; may throw a Scripted error or wait. */
  before?: (delivery: Delivery) => Promise<void> | void;
}

/** Records each delivery it "sends" and answers posts with sequential message ids. */
export function recordingSender(name = "s"): RecordingSender {
  let n = 0;
  const sender: RecordingSender = {
    platform: "console",
    sent: [],
    async send(d) {
      await sender.before?.(d);
      sender.sent.push(d);
      if (d.kind === "update") return undefined;
      const channelId = d.kind === "post" ? d.conversation.channelId : d.message.channelId;
      return { platform: "console", channelId, messageId: `${name}-${++n}` } satisfies MessageRef;
    },
    classify: (err) => (err instanceof Scripted ? err.verdict : { kind: "fail", code: "unexpected" }),
  };
  return sender;
}

export interface Harness {
  prefix: string;
  log: ReturnType<typeof memoryLog>;
  /** A new outbox on a connection of its own (a bot process), closed by `close()`. */
  outbox(sender: DeliverySender, options?: Partial<RedisOutboxOptions>): RedisOutbox;
  redis: Redis;
  /**
   * The process behind `outbox` dies: its Redis connection drops at once, so it can neither renew its
   * leases nor record anything; whatever it held in memory is gone with it.
   */
  crash(outbox: RedisOutbox): void;
  close(): Promise<void>;
}

export function harness(): Harness {
  const prefix = `test:outbox:${randomUUID()}:`;
  const log = memoryLog();
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const opened: { outbox: RedisOutbox; redis: Redis }[] = [];
  return {
    prefix,
    log,
    redis,
    outbox(sender, options = {}) {
      const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
      const outbox = new RedisOutbox(connection, sender, {
        prefix,
        log,
        retry: { maxAttempts: 3, backoffMs: 20, maxRetryAfterMs: 10_000 },
        leaseMs: 1000,
        pollMs: 50,
        ...options,
      });
      opened.push({ outbox, redis: connection });
      return outbox;
    },
    crash(outbox) {
      opened.find((o) => o.outbox === outbox)?.redis.disconnect();
    },
    async close() {
      for (const o of opened) {
        await o.outbox.close();
        o.redis.disconnect();
      }
      await deleteKeysWithPrefix(redis, prefix);
      redis.disconnect();
    },
  };
}

export function deferred<T = void>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export function textOf(d: Delivery): string {
  return d.reply.text ?? "";
}
