/**
 * Sends at Slack's published rates from the first message instead of learning them from 429s: a token
 * bucket per channel for posted messages (one per second, Slack's "special" limit of chat.postMessage)
 * and one bucket per Web API method for its tier (per app and workspace). A burst of commands in one
 * channel then goes out one per second with no 429 at all; Retry-After stays the safety net for limits we
 * cannot see (another process posting with the same token).
 *
 * Time is the monotonic clock of the process, not the bot's injectable Clock: a rate limit is about real
 * elapsed time, and the waits are real.
 *
 * Source: https://api.slack.com/apis/rate-limits (tiers: 1 = 1+/min, 2 = 20+/min, 3 = 50+/min, 4 = 100+/min;
 * "chat.postMessage … one message per second per channel").
 */

/** Tier 3: 50+ per minute; tier 4: 100+ per minute. */
const TIER_3 = 50;
const TIER_4 = 100;

/**
 * Calls per minute of each outbox method. `files.uploadV2` is two tier-4 calls (get the upload URL,
 * complete the upload), one of each per file; `response_url` posts are not Web API calls and have no tier.
 */
export const METHOD_RATES: Readonly<Record<string, number>> = {
  "chat.update": TIER_3,
  "chat.postEphemeral": TIER_4,
  "conversations.open": TIER_3,
  "files.uploadV2": TIER_4,
};

/** Methods that put a message into the channel and so count against its one message per second. */
const CHANNEL_MESSAGE_METHODS = new Set(["chat.postMessage", "files.uploadV2"]);
const CHANNEL_INTERVAL_MS = 1000;

/**
 * A bucket of `capacity` tokens, one refilled every `intervalMs`. A tier allows bursts of a minute's
 * worth ("Slack allows short bursts"), then the steady rate.
 */
export class TokenBucket {
  private tokens: number;
  private updated: number;

  constructor(
    private readonly capacity: number,
    private readonly intervalMs: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.updated = now;
  }

  /** Milliseconds until a token is there; 0 when one is there now. */
  waitMs(now: number): number {
    this.refill(now);
    return this.tokens >= 1 ? 0 : Math.ceil((1 - this.tokens) * this.intervalMs - 1e-6);
  }

  take(now: number): void {
    this.refill(now);
    this.tokens -= 1;
  }

  /**
   * Starts the refill again from `now`, when a call ended: Slack counts from when it handled the call,
   * which may be later than when it was sent, so spacing is kept from the end of the previous call. The
   * call's own token is not given back by the time it took: a call slow to reach Slack (a busy process,
   * an outbox that reserved before its Redis round trips) would otherwise let the next one follow at once.
   */
  settle(now: number): void {
    this.refill(now);
    this.tokens = Math.min(Math.floor(this.tokens), this.capacity - 1);
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.updated);
    this.tokens = Math.min(this.capacity, this.tokens + elapsed / this.intervalMs);
    this.updated = Math.max(this.updated, now);
  }
}

/** How many channel buckets are kept; a full bucket idle that long is the same as a new one. */
const MAX_CHANNEL_BUCKETS = 10_000;

export class Pacer {
  private readonly channels = new Map<string, TokenBucket>();
  private readonly methods = new Map<string, TokenBucket>();

  constructor(
    private readonly now: () => number,
    private readonly rates: Readonly<Record<string, number>> = METHOD_RATES,
  ) {}

  /**
   * Takes a token from every bucket the call needs and returns 0, or takes none and returns how long to
   * wait before asking again.
   */
  reserve(channel: string, method: string): number {
    const now = this.now();
    const buckets = this.bucketsFor(channel, method, now);
    const wait = Math.max(0, ...buckets.map((b) => b.waitMs(now)));
    if (wait > 0) return wait;
    for (const b of buckets) b.take(now);
    return 0;
  }

  /** The call went out and came back (delivered or not). */
  settle(channel: string, method: string): void {
    if (CHANNEL_MESSAGE_METHODS.has(method)) this.channels.get(channel)?.settle(this.now());
  }

  private bucketsFor(channel: string, method: string, now: number): TokenBucket[] {
    const out: TokenBucket[] = [];
    if (CHANNEL_MESSAGE_METHODS.has(method)) {
      let bucket = this.channels.get(channel);
      if (!bucket) {
        if (this.channels.size >= MAX_CHANNEL_BUCKETS) this.forgetIdleChannels(now);
        bucket = new TokenBucket(1, CHANNEL_INTERVAL_MS, now);
        this.channels.set(channel, bucket);
      }
      out.push(bucket);
    }
    const perMinute = this.rates[method];
    if (perMinute !== undefined) {
      let bucket = this.methods.get(method);
      if (!bucket) {
        bucket = new TokenBucket(perMinute, 60_000 / perMinute, now);
        this.methods.set(method, bucket);
      }
      out.push(bucket);
    }
    return out;
  }

  private forgetIdleChannels(now: number): void {
    for (const [channel, bucket] of this.channels)
      if (bucket.waitMs(now) === 0) this.channels.delete(channel);
  }
}
