/**
 * Sends lanes: a process holds a lane's lease while it sends that lane's items one at a time, oldest
 * first, so two processes never send one conversation at once nor out of order. The lease is renewed while
 * held and runs out when the process dies; any process then takes the lane over where it stopped.
 *
 * Per item: wait for the platform's pacing, take the item (from then on newer edits queue behind it), send
 * it, record the outcome. A 429 waits its Retry-After without using up an attempt; 5xx and network errors
 * are retried with doubling backoff up to a cap, so a platform outage of a minute or two is ridden out
 * rather than failing the message (a job card that never arrives means a job that never starts); anything
 * else, or the last attempt, fails the item for good.
 *
 * Limits: an item on the wire when its process dies is sent again by the next holder (at least once: the
 * platforms take no idempotency key, and losing an alert is worse than a rare duplicate). A holder that
 * stalls longer than the lease (a frozen VM) may find another one sending; it checks its lease before
 * each send and stops as soon as it sees it gone, but one send of each may overlap.
 */
import { randomUUID } from "node:crypto";
import { doublingDelay } from "../../../services/backoff.js";
import type { Log } from "../../../services/ports.js";
import type { MessageRef } from "../../../services/vocabulary/identity.js";
import { type Delivery, type DeliverySender, routeOf } from "../../chat-kit/delivery.js";
import type { OutboxStore, Outcome, StoredItem } from "./outbox-store.js";

export interface RetryPolicy {
  /** Tries for transient errors (5xx, network). */
  maxAttempts: number;
  /** First pause after a transient error; doubles each attempt. */
  backoffMs: number;
  /** Longest pause between two tries (default: no cap). */
  maxBackoffMs?: number;
  /** A longer Retry-After fails the item instead of holding the lane that long. */
  maxRetryAfterMs: number;
}

export interface LaneContext {
  store: OutboxStore;
  sender: DeliverySender;
  log: Log;
  retry: RetryPolicy;
  leaseMs: number;
  /** Pause after a Redis error before the lane tries again. */
  pollMs: number;
  ttl: { doneMs: number; keyMs: number };
  sleep: (ms: number) => Promise<void>;
  /** Counters shared with the outbox (DeliveryStats). */
  counts: { retried: number; rateLimited: number; paced: number };
  /** An item finished here (delivered or given up on) and its outcome is recorded. */
  finished(id: string, outcome: Outcome, method: string, lane: string): void;
}

interface Held {
  token: string;
  acquired: boolean;
  lost: boolean;
  /** Someone queued into the lane while it was held: look again before letting go. */
  kicked: boolean;
  /** Sent, but the outcome could not be written (Redis blinked): written before anything else. */
  unrecorded?: { id: string; item: StoredItem; outcome: Outcome; method: string };
}

/** Rate-limit waits do not use up attempts, but are bounded too, so a stuck channel cannot hold a lane forever. */
const MAX_RATE_LIMIT_WAITS = 20;

export class LaneRunner {
  private readonly held = new Map<string, Held>();
  private readonly loops = new Set<Promise<void>>();
  private stopping = false;
  private wake: () => void = () => {};
  private readonly stopped = new Promise<void>((resolve) => {
    this.wake = resolve;
  });

  constructor(private readonly ctx: LaneContext) {}

  /** Sends the lane from this process unless this or another one already does. */
  async kick(lane: string): Promise<void> {
    if (this.stopping) return;
    const existing = this.held.get(lane);
    if (existing) {
      existing.kicked = true;
      return;
    }
    const entry: Held = { token: randomUUID(), acquired: false, lost: false, kicked: false };
    this.held.set(lane, entry);
    try {
      entry.acquired = await this.ctx.store.acquire(lane, entry.token, this.ctx.leaseMs);
    } catch {
      // Redis is away: the periodic sweep tries again.
    }
    if (!entry.acquired || this.stopping) {
      if (entry.acquired) await this.ctx.store.letGo(lane, entry.token).catch(() => {});
      this.held.delete(lane);
      return;
    }
    const loop = this.run(lane, entry);
    this.loops.add(loop);
    void loop.finally(() => this.loops.delete(loop));
  }

  /** Extends every held lease; a lane whose lease was taken over stops before its next send. */
  async renew(): Promise<void> {
    for (const [lane, entry] of this.held) {
      if (!entry.acquired || entry.lost) continue;
      try {
        if (!(await this.ctx.store.renew(lane, entry.token, this.ctx.leaseMs))) entry.lost = true;
      } catch {
        // Unknown while Redis is away; the next renewal or begin finds out.
      }
    }
  }

  /** Stops taking items, waits for sends on the wire, and lets go of the leases for another process. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake();
    await Promise.all([...this.loops]);
  }

  get lanesHeld(): number {
    return this.held.size;
  }

  private async run(lane: string, entry: Held): Promise<void> {
    try {
      while (!this.stopping && !entry.lost) {
        try {
          if (await this.step(lane, entry)) break;
        } catch (err) {
          this.ctx.log.warn(
            { lane, err: err instanceof Error ? err.message : String(err) },
            "outbox lane paused: Redis error",
          );
          await this.nap(this.ctx.pollMs);
        }
      }
    } finally {
      this.held.delete(lane);
      if (this.stopping && !entry.lost) await this.ctx.store.letGo(lane, entry.token).catch(() => {});
    }
    if (entry.kicked && !this.stopping) await this.kick(lane);
  }

  /** One step of a lane; true when the lane was released (empty) or lost. */
  private async step(lane: string, entry: Held): Promise<boolean> {
    if (entry.unrecorded) {
      const { id, item, outcome, method } = entry.unrecorded;
      await this.record(lane, entry, id, item, outcome, method);
    }
    entry.kicked = false;
    const head = await this.ctx.store.head(lane);
    if (!head) {
      const released = await this.ctx.store.release(lane, entry.token);
      if (released === 0) return false;
      if (released === -1) entry.lost = true;
      return true;
    }
    if (head.item) await this.deliver(lane, entry, head.id, head.item);
    return false;
  }

  private async deliver(lane: string, entry: Held, id: string, peeked: StoredItem): Promise<void> {
    const { store, sender, retry } = this.ctx;
    let waits = 0;
    for (let item = peeked; ; ) {
      if (!(await this.pace(entry, item.d))) return;
      const begun = await store.begin(lane, entry.token, id, item.c, this.ctx.leaseMs);
      if (begun.kind === "lost") {
        entry.lost = true;
        return;
      }
      if (begun.kind === "moved") return;
      item = begun.item;
      const { delivery, keyed } = await this.resolveKey(item);
      const { method } = routeOf(sender, delivery);
      let ref: MessageRef | undefined;
      try {
        ref = await sender.send(delivery);
      } catch (err) {
        sender.settle?.(delivery);
        const verdict = sender.classify(err);
        if (
          verdict.kind === "retry-after" &&
          waits < MAX_RATE_LIMIT_WAITS &&
          verdict.ms <= retry.maxRetryAfterMs
        ) {
          waits++;
          this.ctx.counts.rateLimited++;
          this.ctx.log.warn({ lane, method, retryAfterMs: verdict.ms }, "chat rate limit; waiting");
          await store.requeue(lane, id, item.c, true);
          await this.nap(verdict.ms);
          continue;
        }
        if (verdict.kind === "backoff" && begun.attempt < retry.maxAttempts) {
          this.ctx.counts.retried++;
          await store.requeue(lane, id, item.c, false);
          await this.nap(doublingDelay(retry.backoffMs, begun.attempt, retry.maxBackoffMs));
          continue;
        }
        const code = verdict.kind === "retry-after" ? "rate_limited" : verdict.code;
        await this.record(lane, entry, id, item, { ok: false, code, attempts: begun.attempt }, method);
        return;
      }
      sender.settle?.(delivery);
      const got = ref ?? keyed;
      await this.record(lane, entry, id, item, got ? { ok: true, ref: got } : { ok: true }, method);
      return;
    }
  }

  /** A keyed post whose message exists already becomes an edit of that message. */
  private async resolveKey(item: StoredItem): Promise<{ delivery: Delivery; keyed?: MessageRef }> {
    if (!item.k || item.d.kind !== "post") return { delivery: item.d };
    const ref = await this.ctx.store.keyRef(item.k, this.ctx.ttl.keyMs);
    if (!ref) return { delivery: item.d };
    return { delivery: { kind: "update", message: ref, reply: item.d.reply }, keyed: ref };
  }

  private async record(
    lane: string,
    entry: Held,
    id: string,
    item: StoredItem,
    outcome: Outcome,
    method: string,
  ): Promise<void> {
    entry.unrecorded = { id, item, outcome, method };
    await this.ctx.store.complete(lane, id, item, outcome, this.ctx.ttl);
    entry.unrecorded = undefined;
    this.ctx.finished(id, outcome, method, lane);
  }

  /** Waits until the platform's pacing lets the call go; false when the lane must stop instead. */
  private async pace(entry: Held, delivery: Delivery): Promise<boolean> {
    const pace = this.ctx.sender.pace?.bind(this.ctx.sender);
    let wait = pace ? pace(delivery) : 0;
    if (wait > 0) this.ctx.counts.paced++;
    while (wait > 0) {
      await this.nap(wait);
      if (this.stopping || entry.lost) return false;
      wait = pace!(delivery);
    }
    return !this.stopping && !entry.lost;
  }

  private nap(ms: number): Promise<void> {
    return Promise.race([this.ctx.sleep(ms), this.stopped]);
  }
}
