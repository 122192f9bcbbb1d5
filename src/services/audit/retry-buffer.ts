/**
 * Audit writes that come after an effect. Once a command has run (or an approval was decided), its result
 * must reach the user even when the audit store is away for a moment: telling an approver "try again"
 * about a deletion that already happened is worse than a late audit record. Such writes go through this
 * buffer: it appends at once when it can, and otherwise keeps the record in memory, in order, and retries
 * with backoff until the store answers.
 *
 * Limits: the buffer is bounded (`capacity`); when it is full the oldest record is dropped, logged as an
 * error and counted, so a long outage cannot exhaust memory. Records still buffered when the process
 * stops get one last try in `close()`; what fails then is lost, logged and counted. Writes that come
 * before an effect do not use this: there, failing closed ("temporarily unavailable", nothing run) is
 * right.
 */
import { UnavailableError } from "../errors.js";
import type { AuditLog, Log } from "../ports.js";
import type { AuditRecord } from "./record.js";

export type AuditRetryEvent = "buffered" | "written-late" | "dropped";

export interface AuditRetryTimers {
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface AuditRetryBufferOptions {
  audit: Pick<AuditLog, "append">;
  log: Log;
  /** Records kept while the store is away; default 10 000 (a few MB). */
  capacity?: number;
  /** First wait before a retry, doubling up to `maxRetryMs`; defaults 250 ms and 30 s. */
  retryMs?: number;
  maxRetryMs?: number;
  /** Whether a failed append is worth retrying; default: the store was unavailable. */
  retryable?: (err: unknown) => boolean;
  /** Counts what happened to records, for metrics. */
  onEvent?: (event: AuditRetryEvent, buffered: number) => void;
  timers?: AuditRetryTimers;
}

const realTimers: AuditRetryTimers = {
  setTimeout: (run, ms) => {
    const timer = setTimeout(run, ms);
    timer.unref();
    return timer;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export class AuditRetryBuffer {
  private readonly queue: AuditRecord[] = [];
  private readonly capacity: number;
  private readonly retryMs: number;
  private readonly maxRetryMs: number;
  private readonly retryable: (err: unknown) => boolean;
  private readonly timers: AuditRetryTimers;
  private timer: unknown;
  private delay: number;
  private flushing: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly options: AuditRetryBufferOptions) {
    this.capacity = options.capacity ?? 10_000;
    this.retryMs = options.retryMs ?? 250;
    this.maxRetryMs = options.maxRetryMs ?? 30_000;
    this.retryable = options.retryable ?? ((err) => err instanceof UnavailableError);
    this.timers = options.timers ?? realTimers;
    this.delay = this.retryMs;
  }

  /** Records waiting for the store. */
  get size(): number {
    return this.queue.length;
  }

  /** Appends `record`, or keeps it for a retry; never throws. */
  async write(record: AuditRecord): Promise<void> {
    if (this.queue.length > 0 || this.closed) {
      // Behind the records already waiting, so the trail keeps its order.
      this.enqueue(record, undefined);
      return;
    }
    try {
      await this.options.audit.append(record);
    } catch (err) {
      if (!this.retryable(err)) {
        this.lose(record, err);
        return;
      }
      this.enqueue(record, err);
    }
  }

  /** Writes what is buffered, oldest first, until the store fails again. */
  flush(): Promise<void> {
    this.flushing ??= this.drain().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  /** One last flush; records that still cannot be written are logged and counted as dropped. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
    if (this.queue.length === 0) return;
    const lost = this.queue.splice(0);
    this.options.log.error(
      { lost: lost.length, requestIds: lost.slice(0, 20).map((r) => r.requestId) },
      "audit records could not be written before shutdown; they are lost",
    );
    for (const _ of lost) this.options.onEvent?.("dropped", 0);
  }

  private enqueue(record: AuditRecord, err: unknown): void {
    if (this.queue.length === 0 && err !== undefined) {
      this.options.log.warn(
        { err: err instanceof Error ? err.message : String(err), requestId: record.requestId },
        "audit write failed; the record is kept in memory and retried",
      );
    }
    if (this.queue.length >= this.capacity) {
      const dropped = this.queue.shift()!;
      this.options.log.error(
        { requestId: dropped.requestId, capacity: this.capacity },
        "audit retry buffer full; the oldest waiting record is dropped",
      );
      this.options.onEvent?.("dropped", this.queue.length);
    }
    this.queue.push(record);
    this.options.onEvent?.("buffered", this.queue.length);
    this.schedule();
  }

  private lose(record: AuditRecord, err: unknown): void {
    this.options.log.error(
      { err, requestId: record.requestId },
      "audit record refused by the store; it is dropped",
    );
    this.options.onEvent?.("dropped", this.queue.length);
  }

  private schedule(): void {
    if (this.timer !== undefined || this.closed) return;
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.delay);
  }

  private async drain(): Promise<void> {
    let written = 0;
    while (this.queue.length > 0) {
      const record = this.queue[0]!;
      try {
        await this.options.audit.append(record);
      } catch (err) {
        if (!this.retryable(err)) {
          this.queue.shift();
          this.lose(record, err);
          continue;
        }
        this.delay = Math.min(this.delay * 2, this.maxRetryMs);
        this.schedule();
        return;
      }
      this.queue.shift();
      written += 1;
      this.options.onEvent?.("written-late", this.queue.length);
    }
    this.delay = this.retryMs;
    if (written > 0) this.options.log.info({ written }, "buffered audit records written after retry");
  }
}
