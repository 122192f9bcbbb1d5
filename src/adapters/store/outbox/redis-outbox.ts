/**
 * The durable outbox: every post, edit and thread reply of a chat platform is stored in Redis before
 * anything is sent, in the lane of its conversation, and sent from there by whichever bot process holds
 * that lane (lane-runner.ts). A crash or restart loses nothing: on start, and every `pollMs` after, each
 * process takes over lanes that have items and no live holder. Edits of one message still waiting are
 * merged so only the latest is sent; a post with a key (PostOptions.key) is posted at most once and later
 * becomes an edit of that message.
 *
 * The caller of `post` gets the platform's MessageRef once its item is delivered, whichever process sent
 * it (the outcome is kept in Redis for a while); an item whose caller is gone is delivered all the same.
 * A final failure is counted (`stats()`, /metrics) and logged with the platform's error code and the API
 * method, never with the payload: it may hold response URLs.
 *
 * Platform-neutral: a chat adapter hands in its DeliverySender (render + one API call, error
 * classification, optional lanes and pacing); the composition root makes one factory per platform.
 *
 * Limits: while Redis cannot be reached, posts without a key are sent directly (no order, no durability:
 * the user still gets the answer); a keyed post then fails, as its promise cannot be kept. Pacing buckets
 * are per process: several processes share a platform's per-method rates only through its 429s.
 */
import { randomUUID } from "node:crypto";
import type { Log, PostOptions } from "../../../services/ports.js";
import type { ConversationRef, MessageRef } from "../../../services/vocabulary/identity.js";
import type { Reply } from "../../../services/vocabulary/reply.js";
import {
  type Delivery,
  type DeliveryFactory,
  DeliveryFailedError,
  type DeliveryNotifier,
  type DeliverySender,
  type DeliveryStats,
  directDelivery,
  routeOf,
  type ThreadedNotifier,
} from "../../chat-kit/delivery.js";
import { createRedis, waitUntilReady, whenUnavailable } from "../redis.js";
import type { RedisHealth } from "../redis-health.js";
import type { RedisClient } from "../redis-target.js";
import { LaneRunner, type RetryPolicy } from "./lane-runner.js";
import { OutboxStore, type Outcome, type StoredItem } from "./outbox-store.js";

export interface RedisOutboxOptions {
  /** The deployment's key prefix (config `redis.prefix`); every key is built from it. */
  prefix: string;
  log: Log;
  retry: RetryPolicy;
  /** How long a lane stays claimed by a process that stopped renewing it (default 30 s). */
  leaseMs?: number;
  /** How often a process looks for lanes without a holder and for outcomes sent elsewhere (default 500 ms). */
  pollMs?: number;
  /** How long a post key remembers its message, refreshed on each use (default 30 days). */
  keyTtlMs?: number;
  /** How long an outcome is kept for a caller in another process (default 15 minutes). */
  doneTtlMs?: number;
  /** Items one conversation may hold; more is refused with `outbox_full` (default 10,000). */
  maxPerConversation?: number;
  /** How long `close()` waits for this process's callers' items (default 5 s). */
  closeTimeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** Post keys are Redis key parts: printable, no spaces, bounded. */
const POST_KEY = /^[\x21-\x7e]{1,200}$/;

interface Waiter {
  resolve: (ref: MessageRef | undefined) => void;
  reject: (err: unknown) => void;
}

export class RedisOutbox implements DeliveryNotifier {
  private readonly store: OutboxStore;
  private readonly runner: LaneRunner;
  private readonly direct: ThreadedNotifier;
  private readonly waiters = new Map<string, Waiter[]>();
  private readonly drained = new Set<() => void>();
  private readonly counts = {
    accepted: 0,
    delivered: 0,
    failed: 0,
    retried: 0,
    rateLimited: 0,
    coalesced: 0,
    paced: 0,
  };
  private readonly failedByCode: Record<string, number> = {};
  private readonly log: Log;
  private readonly timer: NodeJS.Timeout;
  private renewTimer: NodeJS.Timeout;
  private ticking = false;
  private connecting: Promise<void> | undefined;
  private closing = false;
  private closed: Promise<void> | undefined;

  constructor(
    private readonly redis: RedisClient,
    private readonly sender: DeliverySender,
    private readonly options: RedisOutboxOptions,
    private readonly onClose?: () => void,
  ) {
    this.log = options.log.child({ outbox: sender.platform });
    this.store = new OutboxStore(redis, options.prefix, sender.platform);
    const leaseMs = options.leaseMs ?? 30_000;
    const pollMs = options.pollMs ?? 500;
    const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    this.runner = new LaneRunner({
      store: this.store,
      sender,
      log: this.log,
      retry: options.retry,
      leaseMs,
      pollMs,
      ttl: { doneMs: options.doneTtlMs ?? 15 * 60_000, keyMs: this.keyTtlMs },
      sleep,
      counts: this.counts,
      finished: (id, outcome, method, lane) => this.finished(id, outcome, method, lane),
    });
    this.direct = directDelivery(sender, { attempts: options.retry.maxAttempts, sleep });
    this.timer = setInterval(() => void this.tick(), pollMs);
    this.timer.unref();
    this.renewTimer = setInterval(() => void this.runner.renew(), Math.max(10, Math.floor(leaseMs / 3)));
    this.renewTimer.unref();
    // Resume lanes a crash or restart left behind.
    void this.tick();
  }

  private get keyTtlMs(): number {
    return this.options.keyTtlMs ?? 30 * 86_400_000;
  }

  async post(conversation: ConversationRef, reply: Reply, options?: PostOptions): Promise<MessageRef> {
    const key = options?.key;
    if (key === undefined) return (await this.enqueue({ kind: "post", conversation, reply })) as MessageRef;
    if (!POST_KEY.test(key)) {
      throw new TypeError("a post key is 1-200 printable characters without spaces, e.g. alert:g1:C0OPS");
    }
    await this.ready();
    const existing = await this.store.keyRef(key, this.keyTtlMs);
    if (existing) {
      await this.enqueue({ kind: "update", message: existing, reply }, editKey(existing));
      return existing;
    }
    return (await this.enqueue({ kind: "post", conversation, reply }, `key:${key}`, key)) as MessageRef;
  }

  async update(message: MessageRef, reply: Reply): Promise<void> {
    await this.enqueue({ kind: "update", message, reply }, editKey(message));
  }

  async reply(message: MessageRef, reply: Reply): Promise<MessageRef> {
    return (await this.enqueue({ kind: "reply", message, reply })) as MessageRef;
  }

  stats(): DeliveryStats {
    return { ...this.counts, failedByCode: { ...this.failedByCode }, pending: this.waiters.size };
  }

  /**
   * Stops taking items and waits (up to `closeTimeoutMs`) for the items this process's callers wait for;
   * then finishes the sends on the wire and lets go of its lanes, so another process (or this one after a
   * restart) sends the rest. Callers still waiting get `outbox_closed`: their items stay in Redis.
   */
  close(): Promise<void> {
    this.closed ??= this.shutdown();
    return this.closed;
  }

  private async shutdown(): Promise<void> {
    this.closing = true;
    if (this.waiters.size > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, this.options.closeTimeoutMs ?? 5000);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.drained.add(done);
      });
    }
    clearInterval(this.timer);
    clearInterval(this.renewTimer);
    await this.runner.stop();
    const err = new DeliveryFailedError(this.sender.platform, "outbox_closed", 0);
    for (const [id, list] of this.waiters) {
      this.waiters.delete(id);
      for (const w of list) w.reject(err);
    }
    this.onClose?.();
  }

  private ready(): Promise<void> {
    if (this.redis.status === "ready") return Promise.resolve();
    // The first messages after start may come before the connection is up: they wait briefly, together.
    this.connecting ??= waitUntilReady(this.redis, 2000).finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async enqueue(delivery: Delivery, coalesceKey?: string, postKey?: string) {
    if (this.closing) throw new DeliveryFailedError(this.sender.platform, "outbox_closed", 0);
    const { lane, method } = routeOf(this.sender, delivery);
    const item: StoredItem = {
      d: delivery,
      at: Date.now(),
      ...(coalesceKey ? { c: coalesceKey } : {}),
      ...(postKey ? { k: postKey } : {}),
    };
    let queued: Awaited<ReturnType<OutboxStore["enqueue"]>>;
    try {
      await this.ready();
      queued = await this.store.enqueue(lane, randomUUID(), item, this.options.maxPerConversation ?? 10_000);
    } catch (err) {
      if (!whenUnavailable(err) || postKey) throw err;
      this.log.warn({ lane, method }, "outbox unavailable (Redis); sending directly");
      return this.sendDirectly(delivery);
    }
    if (queued === "full") {
      this.finished("", { ok: false, code: "outbox_full", attempts: 0 }, method, lane);
      throw new DeliveryFailedError(this.sender.platform, "outbox_full", 0);
    }
    this.counts.accepted++;
    if (queued.coalesced) this.counts.coalesced++;
    const outcome = new Promise<MessageRef | undefined>((resolve, reject) => {
      const list = this.waiters.get(queued.id) ?? [];
      list.push({ resolve, reject });
      this.waiters.set(queued.id, list);
    });
    void this.runner.kick(lane);
    return outcome;
  }

  private sendDirectly(delivery: Delivery): Promise<MessageRef | undefined> {
    if (delivery.kind === "post") return this.direct.post(delivery.conversation, delivery.reply);
    if (delivery.kind === "reply") return this.direct.reply(delivery.message, delivery.reply);
    return this.direct.update(delivery.message, delivery.reply).then(() => undefined);
  }

  /** Resumes lanes without a live holder, and collects outcomes of items another process sent. */
  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      for (const lane of await this.store.activeLanes()) void this.runner.kick(lane);
      const outcomes = await this.store.outcomes([...this.waiters.keys()]);
      for (const [id, outcome] of outcomes) this.settle(id, outcome);
    } catch {
      // Redis is away; the process's Redis monitor reports it, and the next tick tries again.
    } finally {
      this.ticking = false;
    }
  }

  private finished(id: string, outcome: Outcome, method: string, lane: string): void {
    if (outcome.ok) this.counts.delivered++;
    else {
      this.counts.failed++;
      this.failedByCode[outcome.code] = (this.failedByCode[outcome.code] ?? 0) + 1;
      this.log.error(
        { platform: this.sender.platform, method, lane, code: outcome.code, attempts: outcome.attempts },
        "chat delivery failed; message not delivered",
      );
    }
    if (id) this.settle(id, outcome);
  }

  private settle(id: string, outcome: Outcome): void {
    const list = this.waiters.get(id);
    if (!list) return;
    this.waiters.delete(id);
    for (const w of list) {
      if (outcome.ok) w.resolve(outcome.ref);
      else w.reject(new DeliveryFailedError(this.sender.platform, outcome.code, outcome.attempts));
    }
    if (this.waiters.size === 0) for (const done of [...this.drained]) done();
  }
}

/** Edits of one message share this key, so a waiting edit is replaced by a newer one. */
function editKey(message: MessageRef): string {
  return `edit:${message.channelId}:${message.messageId}`;
}

/** A factory on a connection the caller owns and closes. */
export function redisDelivery(redis: RedisClient, options: RedisOutboxOptions): DeliveryFactory {
  return (sender) => new RedisOutbox(redis, sender, options);
}

/**
 * A factory on a Redis connection of its own (fail-fast, reporting outages to the process's monitor),
 * opened with the first outbox it makes and closed when the last one closes.
 */
export function connectRedisDelivery(
  url: string,
  options: RedisOutboxOptions & { health?: RedisHealth },
): DeliveryFactory {
  let redis: RedisClient | undefined;
  let open = 0;
  return (sender) => {
    redis ??= createRedis(url, {
      log: options.log,
      name: "outbox",
      ...(options.health ? { health: options.health } : {}),
    });
    const connection = redis;
    open++;
    return new RedisOutbox(connection, sender, options, () => {
      if (--open > 0) return;
      connection.disconnect();
      redis = undefined;
    });
  };
}
