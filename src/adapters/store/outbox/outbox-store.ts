/**
 * The Redis side of the durable outbox: one platform's lanes, items, leases, outcomes and post keys, each
 * operation one round trip (a script where several keys must change together). Keys are built from the
 * deployment prefix only (see scripts.ts for the layout).
 */

import type { MessageRef, Platform } from "../../../services/vocabulary/identity.js";
import type { Delivery } from "../../chat-kit/delivery.js";
import type { RedisClient } from "../redis-target.js";
import { BEGIN_LUA, COMPLETE_LUA, ENQUEUE_LUA, LEASE_LUA, RELEASE_LUA, REQUEUE_LUA } from "./scripts.js";

/** One queued delivery as stored: plain data, so any process can send it. */
export interface StoredItem {
  d: Delivery;
  /** Coalesce key: a waiting item with the same key is replaced instead of queued behind. */
  c?: string;
  /** Post key (PostOptions.key): at send time an existing message with this key is edited instead. */
  k?: string;
  /** When it was accepted (ms since the epoch). */
  at: number;
}

export type Outcome = { ok: true; ref?: MessageRef } | { ok: false; code: string; attempts: number };

interface OutboxCommands {
  outboxEnqueue(...args: (string | number)[]): Promise<[string, number]>;
  outboxBegin(...args: (string | number)[]): Promise<[number, string?, number?]>;
  outboxRequeue(...args: (string | number)[]): Promise<number>;
  outboxComplete(...args: (string | number)[]): Promise<number>;
  outboxRelease(...args: (string | number)[]): Promise<number>;
  outboxLease(...args: (string | number)[]): Promise<number>;
}

const SCRIPTS: [keyof OutboxCommands, number, string][] = [
  ["outboxEnqueue", 5, ENQUEUE_LUA],
  ["outboxBegin", 5, BEGIN_LUA],
  ["outboxRequeue", 3, REQUEUE_LUA],
  ["outboxComplete", 6, COMPLETE_LUA],
  ["outboxRelease", 3, RELEASE_LUA],
  ["outboxLease", 1, LEASE_LUA],
];

export class OutboxStore {
  private readonly base: string;
  private readonly redis: RedisClient & OutboxCommands;

  constructor(redis: RedisClient, prefix: string, platform: Platform) {
    this.base = `${prefix}outbox:${platform}:`;
    for (const [name, numberOfKeys, lua] of SCRIPTS) {
      if (!(name in redis)) redis.defineCommand(name, { numberOfKeys, lua });
    }
    this.redis = redis as RedisClient & OutboxCommands;
  }

  private key(kind: string, name: string): string {
    return `${this.base}${kind}:${name}`;
  }

  private laneKeys(lane: string) {
    return {
      q: this.key("q", lane),
      items: this.key("items", lane),
      edits: this.key("edits", lane),
      tries: this.key("tries", lane),
      lease: this.key("lease", lane),
    };
  }

  /** Queues an item; returns the id callers wait for, and whether it merged into a waiting one. */
  async enqueue(
    lane: string,
    id: string,
    item: StoredItem,
    maxItems: number,
  ): Promise<{ id: string; coalesced: boolean } | "full"> {
    const k = this.laneKeys(lane);
    const [got, flag] = await this.redis.outboxEnqueue(
      k.q,
      k.items,
      k.edits,
      k.tries,
      `${this.base}lanes`,
      id,
      JSON.stringify(item),
      item.c ?? "",
      lane,
      maxItems,
    );
    return flag === -1 ? "full" : { id: got, coalesced: flag === 1 };
  }

  /** Claims a lane for `leaseMs` unless another process holds it. */
  async acquire(lane: string, token: string, leaseMs: number): Promise<boolean> {
    return (await this.redis.set(this.key("lease", lane), token, "PX", leaseMs, "NX")) === "OK";
  }

  /** Extends the lease while it is ours; false once another process may have taken the lane. */
  async renew(lane: string, token: string, leaseMs: number): Promise<boolean> {
    return (await this.redis.outboxLease(this.key("lease", lane), token, leaseMs)) === 1;
  }

  /** Lets go of a lane that still has items, so another process takes it over at once. */
  async letGo(lane: string, token: string): Promise<void> {
    await this.redis.outboxLease(this.key("lease", lane), token, "");
  }

  /** Releases an empty lane: 1 released, 0 items arrived meanwhile, -1 the lease was lost. */
  async release(lane: string, token: string): Promise<number> {
    const k = this.laneKeys(lane);
    return this.redis.outboxRelease(k.lease, k.q, `${this.base}lanes`, token, lane);
  }

  /** The lane's oldest item, or undefined when it is empty. */
  /** The lane's oldest item; `item` is undefined when it finished between the two reads (look again). */
  async head(lane: string): Promise<{ id: string; item: StoredItem | undefined } | undefined> {
    const k = this.laneKeys(lane);
    const id = await this.redis.lindex(k.q, 0);
    if (id === null) return undefined;
    const raw = await this.redis.hget(k.items, id);
    return { id, item: raw === null ? undefined : (JSON.parse(raw) as StoredItem) };
  }

  async begin(lane: string, token: string, id: string, coalesceKey: string | undefined, leaseMs: number) {
    const k = this.laneKeys(lane);
    const [status, raw, attempt] = await this.redis.outboxBegin(
      k.lease,
      k.q,
      k.items,
      k.edits,
      k.tries,
      token,
      id,
      coalesceKey ?? "",
      leaseMs,
    );
    if (status === 0) return { kind: "lost" } as const;
    if (status === 2 || raw === undefined) return { kind: "moved" } as const;
    return { kind: "ok", item: JSON.parse(raw) as StoredItem, attempt: Number(attempt) } as const;
  }

  async requeue(lane: string, id: string, coalesceKey: string | undefined, giveBack: boolean): Promise<void> {
    const k = this.laneKeys(lane);
    await this.redis.outboxRequeue(k.items, k.edits, k.tries, id, coalesceKey ?? "", giveBack ? "1" : "0");
  }

  /**
   * Removes a finished item and records its outcome for `doneTtlMs`; a delivered keyed post also records
   * its message under the post key for `keyTtlMs`.
   */
  async complete(
    lane: string,
    id: string,
    item: StoredItem,
    outcome: Outcome,
    ttl: { doneMs: number; keyMs: number },
  ): Promise<void> {
    const k = this.laneKeys(lane);
    const keyRef = item.k && outcome.ok && outcome.ref ? JSON.stringify(outcome.ref) : "";
    await this.redis.outboxComplete(
      k.q,
      k.items,
      k.edits,
      k.tries,
      this.key("done", id),
      item.k ? this.key("key", item.k) : this.key("done", id),
      id,
      item.c ?? "",
      JSON.stringify(outcome),
      ttl.doneMs,
      keyRef,
      ttl.keyMs,
    );
  }

  /** The message a keyed post made, refreshing how long it is remembered; undefined when none yet. */
  async keyRef(key: string, keyTtlMs: number): Promise<MessageRef | undefined> {
    const raw = await this.redis.getex(this.key("key", key), "PX", keyTtlMs);
    return raw === null ? undefined : (JSON.parse(raw) as MessageRef);
  }

  /** Outcomes of finished items, by id (absent while pending). */
  async outcomes(ids: string[]): Promise<Map<string, Outcome>> {
    const found = new Map<string, Outcome>();
    if (ids.length === 0) return found;
    const raws = await this.redis.mget(ids.map((id) => this.key("done", id)));
    raws.forEach((raw, i) => {
      if (raw !== null) found.set(ids[i]!, JSON.parse(raw) as Outcome);
    });
    return found;
  }

  /** Lanes that have items, whoever holds them. */
  async activeLanes(): Promise<string[]> {
    return this.redis.smembers(`${this.base}lanes`);
  }
}
