/**
 * Throttled edits of one chat message, for every message that shows changing state (job cards, the
 * template matrix table). Chat platforms rate-limit message edits (Slack's chat.update, Discord's
 * per-channel buckets), and a job can report progress hundreds of times a second, so intermediate states
 * are coalesced: at most one edit starts per interval, the latest state wins, and `flush` always delivers
 * the final state. Given a conversation instead of a message, the first state is posted there and the
 * rest edit that post. Notifier failures are logged and counted, never thrown, because
 * a broken chat connection must not fail the Proxmox work it reports on.
 *
 * Limits: the throttle is per instance, i.e. per process. A job runs in one worker at a time, so that is
 * per message in practice; two processes editing one message would each keep their own pace.
 */

import { UserError } from "../errors.js";
import type { Clock, Log, Notifier, NotifierByPlatform } from "../ports.js";
import type { ConversationRef, MessageRef, Platform } from "../vocabulary/identity.js";
import type { Reply } from "../vocabulary/reply.js";

/** The notifier for a platform; a job must not start (or run) where it could never report. */
export function notifierFor(notifiers: NotifierByPlatform, platform: Platform): Notifier {
  const notifier = notifiers[platform];
  if (!notifier)
    throw new UserError("E_JOB", `jobs cannot report to ${platform}: no ${platform} notifier is configured`);
  return notifier;
}

/** Injected timers so tests can drive time deterministically. */
export interface Timers {
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  setTimeout: (run, ms) => setTimeout(run, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Resolves after `ms` on the given timers. */
export function sleep(timers: Timers, ms: number): Promise<void> {
  return new Promise((resolve) => {
    timers.setTimeout(resolve, Math.max(0, ms));
  });
}

export interface MessageUpdateStats {
  /** Edits the notifier accepted. */
  edits: number;
  /** Edits the notifier rejected. */
  errors: number;
  /** States replaced by a newer one before they were sent. */
  coalesced: number;
}

/** What the runner needs from a card: fire-and-forget intermediate states and a delivered final one. */
export interface CardSink {
  set(reply: Reply): void;
  /** Resolves true when the final state was delivered, false when every try failed. */
  flush(final: Reply): Promise<boolean>;
}

export type MessageTarget = { message: MessageRef } | { conversation: ConversationRef };

export type ThrottledMessageOptions = MessageTarget & {
  notifier: Notifier;
  /** Minimum time between the starts of two edits. */
  intervalMs: number;
  clock: Clock;
  log: Log;
  timers?: Timers;
  /** Tries for the final state before giving up; each waits one interval. Default 3. */
  finalAttempts?: number;
};

export class ThrottledMessage implements CardSink {
  readonly stats: MessageUpdateStats = { edits: 0, errors: 0, coalesced: 0 };
  private readonly timers: Timers;
  private pending: Reply | undefined;
  private lastStartedAt = Number.NEGATIVE_INFINITY;
  private timer: unknown;
  private inflight: Promise<void> | undefined;
  private closed = false;
  private message: MessageRef | undefined;

  constructor(private readonly options: ThrottledMessageOptions) {
    if (!(options.intervalMs >= 0)) throw new Error("intervalMs must be a non-negative number");
    this.timers = options.timers ?? realTimers;
    if ("message" in options) this.message = options.message;
  }

  /** Replaces the state to show; sent now if the interval allows, otherwise when it does. */
  set(reply: Reply): void {
    if (this.closed) return;
    if (this.pending) this.stats.coalesced++;
    this.pending = reply;
    this.schedule();
  }

  /**
   * Stops intermediate updates, waits for an edit in flight, then delivers `final` once the interval
   * allows, retrying failed edits up to `finalAttempts` times.
   */
  async flush(final: Reply): Promise<boolean> {
    this.closed = true;
    if (this.timer !== undefined) {
      this.timers.clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.pending) this.stats.coalesced++;
    this.pending = undefined;
    await this.inflight;
    const attempts = Math.max(1, this.options.finalAttempts ?? 3);
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const wait = this.lastStartedAt + this.options.intervalMs - this.options.clock.now();
      if (wait > 0) await sleep(this.timers, wait);
      if (await this.deliver(final)) return true;
    }
    return false;
  }

  private schedule(): void {
    if (this.timer !== undefined || this.inflight || this.closed) return;
    const wait = this.lastStartedAt + this.options.intervalMs - this.options.clock.now();
    if (wait <= 0) {
      this.sendPending();
      return;
    }
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      this.sendPending();
    }, wait);
  }

  private sendPending(): void {
    const reply = this.pending;
    this.pending = undefined;
    if (!reply || this.closed) return;
    this.inflight = this.deliver(reply).then(() => {
      this.inflight = undefined;
      if (this.pending) this.schedule();
    });
  }

  private async deliver(reply: Reply): Promise<boolean> {
    this.lastStartedAt = this.options.clock.now();
    try {
      if (this.message) await this.options.notifier.update(this.message, reply);
      else if ("conversation" in this.options)
        this.message = await this.options.notifier.post(this.options.conversation, reply);
      this.stats.edits++;
      return true;
    } catch (err) {
      this.stats.errors++;
      this.options.log.warn(
        { err, messageId: this.message?.messageId, platform: this.message?.platform },
        "job card update failed",
      );
      return false;
    }
  }
}
