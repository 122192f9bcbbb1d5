/**
 * Alert groups in Redis. A group is one hash (`v`: version, `json`: the AlertGroup) under
 * `<prefix>alerts:group:<id>`; `<prefix>alerts:index` orders groups by last change (for `alerts`) and
 * `<prefix>alerts:dirty` holds groups whose messages are behind, oldest change first.
 *
 * Every change is read → merge in TypeScript (services/alerts/group-*.ts) → one compare-and-set script
 * that writes the group only if its version is still the one read, and marks it dirty and re-indexes it in
 * the same step. A lost race re-reads and merges again, so concurrent webhooks and clicks on several bot
 * processes serialize per group; of two acks exactly one finds the group unacknowledged. A shared
 * connection is enough (no WATCH). Resolved groups expire after `retentionMs`; index entries of expired
 * groups are dropped when next met. Every key is built from the prefix, so a hash-tag prefix (`{pvebot}:`)
 * keeps each script's keys in one Redis Cluster slot.
 */

import {
  type ActionOutcome,
  ackGroup,
  escalateGroup,
  silenceGroup,
  unackGroup,
  unsilenceGroup,
} from "../../services/alerts/group-actions.js";
import { groupIdCandidates, isSameGroup, mergeBatch } from "../../services/alerts/group-merge.js";
import { type AlertGroup, groupState } from "../../services/alerts/model.js";
import type { AlertStore, IngestResult } from "../../services/alerts/ports.js";
import { guarded } from "./redis.js";
import type { RedisClient } from "./redis-target.js";

const CAS_LUA = `
local v = redis.call('HGET', KEYS[1], 'v')
if (v or '0') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 'json', ARGV[3])
if tonumber(ARGV[6]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[6]) else redis.call('PERSIST', KEYS[1]) end
redis.call('ZADD', KEYS[2], ARGV[5], ARGV[4])
redis.call('ZADD', KEYS[3], 'NX', ARGV[5], ARGV[4])
return 1
`;

const RENDERED_LUA = `
local v = redis.call('HGET', KEYS[1], 'v')
if v and tonumber(v) > tonumber(ARGV[2]) then return 0 end
return redis.call('ZREM', KEYS[2], ARGV[1])
`;

/** Attaching a posted message's ref is not a change of state: no new version, no dirty mark. */
const ATTACH_LUA = `
local v = redis.call('HGET', KEYS[1], 'v')
if (v or '0') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'json', ARGV[2])
return 1
`;

export interface RedisAlertStoreOptions {
  /** Deployment key prefix with its trailing colon, e.g. `pvebot:`. */
  prefix: string;
  /** How long a resolved group stays readable (default 7 days). */
  retentionMs?: number;
}

const DEFAULT_RETENTION_MS = 7 * 86_400_000;
/** Compare-and-set rounds before giving up; only a group changed this often at once could exhaust them. */
const MAX_ROUNDS = 50;
const DEFAULT_LIST_LIMIT = 50;

/** The client after `defineCommand` (EVALSHA, falling back to EVAL once per connection). */
type ScriptedRedis = RedisClient & {
  pvebotAlertCas(
    group: string,
    index: string,
    dirty: string,
    expected: number,
    version: number,
    json: string,
    id: string,
    updatedAt: number,
    ttlMs: number,
  ): Promise<number>;
  pvebotAlertRendered(group: string, dirty: string, id: string, version: number): Promise<number>;
  pvebotAlertAttach(group: string, expected: number, json: string): Promise<number>;
};

interface Stored {
  version: number;
  group: AlertGroup;
}

export class RedisAlertStore implements AlertStore {
  private readonly prefix: string;
  private readonly retentionMs: number;
  private readonly redis: ScriptedRedis;

  constructor(redis: RedisClient, options: RedisAlertStoreOptions) {
    redis.defineCommand("pvebotAlertCas", { numberOfKeys: 3, lua: CAS_LUA });
    redis.defineCommand("pvebotAlertRendered", { numberOfKeys: 2, lua: RENDERED_LUA });
    redis.defineCommand("pvebotAlertAttach", { numberOfKeys: 1, lua: ATTACH_LUA });
    this.redis = redis as ScriptedRedis;
    this.prefix = options.prefix;
    this.retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
  }

  private groupKey(id: string): string {
    return `${this.prefix}alerts:group:${id}`;
  }

  private get indexKey(): string {
    return `${this.prefix}alerts:index`;
  }

  private get dirtyKey(): string {
    return `${this.prefix}alerts:dirty`;
  }

  private async read(id: string): Promise<Stored | undefined> {
    const [v, json] = await guarded(() => this.redis.hmget(this.groupKey(id), "v", "json"));
    if (v == null || json == null) return undefined;
    return { version: Number(v), group: JSON.parse(json) as AlertGroup };
  }

  /** Writes `next` if the group is still at `expected` (0: absent); false when someone else changed it. */
  private async compareAndSet(expected: number, next: AlertGroup): Promise<boolean> {
    const ttl = next.status === "resolved" ? this.retentionMs : 0;
    const json = JSON.stringify(next);
    const done = await guarded(() =>
      this.redis.pvebotAlertCas(
        this.groupKey(next.id),
        this.indexKey,
        this.dirtyKey,
        expected,
        next.version,
        json,
        next.id,
        next.updatedAt,
        ttl,
      ),
    );
    return done === 1;
  }

  private async mutate<R>(
    id: string,
    missing: R,
    change: (group: AlertGroup) => ActionOutcome<R>,
  ): Promise<R> {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const stored = await this.read(id);
      if (!stored) return missing;
      const outcome = change(stored.group);
      if (!outcome.next) return outcome.result;
      if (await this.compareAndSet(stored.version, outcome.next)) return outcome.result;
    }
    throw new Error(`alert group ${id} kept changing; gave up after ${MAX_ROUNDS} attempts`);
  }

  async ingest(...[batch, routes]: Parameters<AlertStore["ingest"]>): Promise<IngestResult> {
    const messages = routes(batch);
    for (let round = 0; round < MAX_ROUNDS; round++) {
      let target: { id: string; stored?: Stored } | undefined;
      for (const id of groupIdCandidates(batch.sourceName, batch.groupKey)) {
        const stored = await this.read(id);
        if (!stored || isSameGroup(stored.group, batch)) {
          target = { id, stored };
          break;
        }
      }
      if (!target) throw new Error(`no free id for alert group ${batch.sourceName}/${batch.groupKey}`);
      const outcome = mergeBatch(target.stored?.group, target.id, batch, messages);
      if (!outcome.changed) return outcome;
      if (await this.compareAndSet(target.stored?.version ?? 0, outcome.group)) return outcome;
    }
    throw new Error(`alert group ${batch.sourceName}/${batch.groupKey} kept changing; gave up`);
  }

  async get(id: string): Promise<AlertGroup | undefined> {
    if (!/^[0-9a-f]{8,64}$/.test(id)) return undefined;
    return (await this.read(id))?.group;
  }

  async list(...[filter, now]: Parameters<AlertStore["list"]>): Promise<AlertGroup[]> {
    const ids = await guarded(() => this.redis.zrevrange(this.indexKey, 0, -1));
    const limit = filter.limit ?? DEFAULT_LIST_LIMIT;
    const found: AlertGroup[] = [];
    const gone: string[] = [];
    const pageSize = 200;
    for (let start = 0; start < ids.length && found.length < limit; start += pageSize) {
      const page = ids.slice(start, start + pageSize);
      const pipeline = this.redis.pipeline();
      for (const id of page) pipeline.hget(this.groupKey(id), "json");
      const replies = (await guarded(() => pipeline.exec())) ?? [];
      page.forEach((id, i) => {
        const json = replies[i]?.[1];
        if (typeof json !== "string") {
          gone.push(id);
          return;
        }
        const group = JSON.parse(json) as AlertGroup;
        if (found.length < limit && matches(group, filter, now)) found.push(group);
      });
    }
    if (gone.length > 0) await guarded(() => this.redis.zrem(this.indexKey, ...gone));
    return found;
  }

  ack(...[id, by, at]: Parameters<AlertStore["ack"]>) {
    return this.mutate(id, { ok: false, reason: "not-found" } as const, (g) => ackGroup(g, by, at));
  }

  unack(...[id, by, at]: Parameters<AlertStore["unack"]>) {
    return this.mutate(id, { ok: false, reason: "not-found" } as const, (g) => unackGroup(g, by, at));
  }

  setSilence(...[id, silence]: Parameters<AlertStore["setSilence"]>) {
    return this.mutate<AlertGroup | undefined>(id, undefined, (g) => silenceGroup(g, silence));
  }

  clearSilence(...[id, by, at]: Parameters<AlertStore["clearSilence"]>) {
    return this.mutate<AlertGroup | undefined>(id, undefined, (g) => unsilenceGroup(g, by, at));
  }

  recordEscalation(id: string, at: number) {
    return this.mutate<AlertGroup | undefined>(id, undefined, (g) => escalateGroup(g, at));
  }

  async attachMessage(...[id, message]: Parameters<AlertStore["attachMessage"]>): Promise<void> {
    const same = (m: AlertGroup["messages"][number]) =>
      m.route === message.route &&
      m.conversation.platform === message.conversation.platform &&
      m.conversation.channelId === message.conversation.channelId;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const stored = await this.read(id);
      if (!stored) return;
      const messages = stored.group.messages.some(same)
        ? stored.group.messages.map((m) => (same(m) ? { ...message } : m))
        : [...stored.group.messages, { ...message }];
      const json = JSON.stringify({ ...stored.group, messages });
      const done = await guarded(() => this.redis.pvebotAlertAttach(this.groupKey(id), stored.version, json));
      if (done === 1) return;
    }
    throw new Error(`alert group ${id} kept changing; the message ref was not recorded`);
  }

  async dirty(limit: number): Promise<string[]> {
    return guarded(() => this.redis.zrange(this.dirtyKey, 0, Math.max(0, limit - 1)));
  }

  async markRendered(id: string, version: number): Promise<void> {
    await guarded(() => this.redis.pvebotAlertRendered(this.groupKey(id), this.dirtyKey, id, version));
  }
}

function matches(group: AlertGroup, filter: Parameters<AlertStore["list"]>[0], now: number): boolean {
  if (filter.state && groupState(group, now) !== filter.state) return false;
  for (const [name, value] of Object.entries(filter.labels ?? {})) {
    if (group.commonLabels[name] !== value) return false;
  }
  return true;
}
