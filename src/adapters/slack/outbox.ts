/**
 * Every post and edit goes through here: one serial lane per channel, paced at Slack's published rates
 * when a Pacer is given (one message per second per channel, each method's tier), Retry-After honoured on 429, 5xx and network errors retried with doubling backoff,
 * and queued edits of one message coalesced so only the latest is sent. An accepted item ends in exactly
 * one of two ways: delivered, or rejected with a SlackDeliveryError that is also counted and logged with the
 * Slack method and error code. Arguments are never logged: they may hold response URLs.
 */

import { doublingDelay } from "../../services/backoff.js";
import type { Log } from "../../services/ports.js";
import type { DeliveryStats, SendVerdict } from "../chat-kit/delivery.js";
import type { Pacer } from "./pacing.js";

export class SlackDeliveryError extends Error {
  constructor(
    readonly method: string,
    readonly code: string,
    readonly attempts: number,
  ) {
    super(`Slack ${method} failed: ${code}`);
    this.name = "SlackDeliveryError";
  }
}

/** A failure an operation reports for itself, e.g. a response_url POST answered with a status. */
export class SlackHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly retryAfterSec?: number,
  ) {
    super(`HTTP ${status}: ${code}`);
    this.name = "SlackHttpError";
  }
}

export interface OutboxOptions {
  log: Log;
  sleep: (ms: number) => Promise<void>;
  maxAttempts: number;
  backoffMs: number;
  maxRetryAfterMs: number;
  /** Waits for Slack's rates before each call; without it, only 429s slow the outbox down. */
  pacer?: Pacer;
}

/** The same counters as the durable outbox's, so the adapter reports one shape whichever delivers. */
export type OutboxStats = DeliveryStats;

interface Waiter {
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}
interface Item {
  method: string;
  channel: string;
  coalesceKey: string | undefined;
  run: () => Promise<unknown>;
  waiters: Waiter[];
  /** True while a request is on the wire; a waiting (backing-off) item may still be replaced. */
  running: boolean;
}

/** Rate-limit waits do not use up attempts, but are bounded too, so a stuck channel cannot hold a lane forever. */
const MAX_RATE_LIMIT_WAITS = 20;
const TRANSIENT_PLATFORM_ERRORS = new Set([
  "internal_error",
  "fatal_error",
  "service_unavailable",
  "request_timeout",
]);

export class Outbox {
  private readonly lanes = new Map<string, Item[]>();
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
  private readonly idle = new Set<() => void>();
  private closed = false;

  constructor(private readonly options: OutboxOptions) {}

  /**
   * Queues `run` on the channel's lane. With a `coalesceKey`, a still-queued item with the same key is
   * replaced: both callers get the result of the newer one (latest wins).
   */
  send<T>(channel: string, method: string, run: () => Promise<T>, coalesceKey?: string): Promise<T> {
    if (this.closed) return Promise.reject(new SlackDeliveryError(method, "adapter_stopped", 0));
    this.counts.accepted++;
    return new Promise<T>((resolve, reject) => {
      const waiter = { resolve: resolve as (v: unknown) => void, reject };
      let lane = this.lanes.get(channel);
      const queued =
        coalesceKey && lane ? lane.find((i) => i.coalesceKey === coalesceKey && !i.running) : undefined;
      if (queued) {
        queued.run = run;
        queued.waiters.push(waiter);
        this.counts.coalesced++;
        return;
      }
      const item: Item = { method, channel, coalesceKey, run, waiters: [waiter], running: false };
      if (lane) {
        lane.push(item);
        return;
      }
      lane = [item];
      this.lanes.set(channel, lane);
      void this.drainLane(channel, lane);
    });
  }

  stats(): OutboxStats {
    let pending = 0;
    for (const lane of this.lanes.values()) pending += lane.length;
    return { ...this.counts, failedByCode: { ...this.failedByCode }, pending };
  }

  /** Resolves when every lane is empty, or after `timeoutMs`; then refuses new items. */
  async close(timeoutMs: number): Promise<void> {
    this.closed = true;
    if (this.lanes.size === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.idle.delete(done);
        resolve();
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.idle.add(done);
    });
    for (const lane of this.lanes.values()) {
      for (const item of lane.splice(0)) this.fail(item, "adapter_stopped", 0);
    }
    this.lanes.clear();
  }

  private async drainLane(channel: string, lane: Item[]): Promise<void> {
    while (lane.length > 0) {
      const item = lane[0]!;
      await this.deliver(item);
      lane.shift();
    }
    this.lanes.delete(channel);
    if (this.lanes.size === 0) for (const done of [...this.idle]) done();
  }

  private async deliver(item: Item): Promise<void> {
    let attempts = 0;
    let waits = 0;
    for (;;) {
      // Synchronous when no wait is needed, so the first item of a lane is on the wire before newer edits
      // arrive (they coalesce only with items still waiting).
      const wait = this.options.pacer?.reserve(item.channel, item.method) ?? 0;
      if (wait > 0) await this.pace(item, wait);
      const run = item.run;
      attempts++;
      item.running = true;
      try {
        const result = await run().finally(() => this.options.pacer?.settle(item.channel, item.method));
        this.counts.delivered++;
        for (const w of item.waiters.splice(0)) w.resolve(result);
        return;
      } catch (err) {
        item.running = false;
        const verdict = classifySlackError(err);
        if (verdict.kind === "retry-after" && waits < MAX_RATE_LIMIT_WAITS) {
          if (verdict.ms > this.options.maxRetryAfterMs) return this.fail(item, "ratelimited", attempts);
          waits++;
          attempts--;
          this.counts.rateLimited++;
          this.options.log.warn(
            { method: item.method, channel: item.channel, retryAfterMs: verdict.ms },
            "slack rate limit; waiting",
          );
          await this.options.sleep(verdict.ms);
        } else if (verdict.kind === "backoff" && attempts < this.options.maxAttempts) {
          this.counts.retried++;
          await this.options.sleep(doublingDelay(this.options.backoffMs, attempts));
        } else {
          return this.fail(item, verdict.kind === "retry-after" ? "ratelimited" : verdict.code, attempts);
        }
        // A newer edit replaced this one while it waited: it starts with fresh attempts.
        if (item.run !== run) attempts = 0;
      }
    }
  }

  /** Waits until the pacer grants the call; the item may still be replaced by a newer edit meanwhile. */
  private async pace(item: Item, firstWait: number): Promise<void> {
    const pacer = this.options.pacer!;
    this.counts.paced++;
    for (let wait = firstWait; wait > 0; wait = pacer.reserve(item.channel, item.method)) {
      await this.options.sleep(wait);
    }
  }

  private fail(item: Item, code: string, attempts: number): void {
    const waiters = item.waiters.splice(0);
    this.counts.failed++;
    this.failedByCode[code] = (this.failedByCode[code] ?? 0) + 1;
    this.options.log.error(
      { method: item.method, channel: item.channel, code, attempts },
      "slack delivery failed; message not delivered",
    );
    const err = new SlackDeliveryError(item.method, code, attempts);
    for (const w of waiters) w.reject(err);
  }
}

/**
 * What to do after a failed Slack call: @slack/web-api's coded errors and our own SlackHttpError. Shared
 * by this outbox and the Slack DeliverySender, so the durable outbox retries exactly what this one does.
 */
export function classifySlackError(err: unknown): SendVerdict {
  if (err instanceof SlackHttpError) {
    if (err.status === 429 && err.retryAfterSec !== undefined)
      return { kind: "retry-after", ms: err.retryAfterSec * 1000 };
    return err.status >= 500 ? { kind: "backoff", code: err.code } : { kind: "fail", code: err.code };
  }
  // fetch() (response_url posts) rejects with a bare TypeError when the connection fails.
  if (err instanceof TypeError && err.message === "fetch failed")
    return { kind: "backoff", code: "network_error" };
  const e = err as { code?: string; retryAfter?: number; statusCode?: number; data?: { error?: string } };
  switch (e?.code) {
    case "slack_webapi_rate_limited_error":
      return { kind: "retry-after", ms: (e.retryAfter ?? 1) * 1000 };
    case "slack_webapi_http_error":
      return (e.statusCode ?? 0) >= 500
        ? { kind: "backoff", code: `http_${e.statusCode}` }
        : { kind: "fail", code: `http_${e.statusCode}` };
    case "slack_webapi_request_error":
      return { kind: "backoff", code: "request_error" };
    case "slack_webapi_platform_error": {
      const code = e.data?.error ?? "unknown_error";
      return TRANSIENT_PLATFORM_ERRORS.has(code) ? { kind: "backoff", code } : { kind: "fail", code };
    }
    default:
      return { kind: "fail", code: err instanceof Error ? err.name : "unknown_error" };
  }
}
