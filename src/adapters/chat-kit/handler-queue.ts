/**
 * Runs the work that follows an ack (asking the dispatcher, sending the reply) on a small pool, so a burst
 * of commands is acked at the speed of the ack path alone: platforms' ack deadlines are hard (Slack's
 * 3 seconds, Discord's interaction deferral), reply delivery is not. The queue is bounded; when it is full
 * the adapter answers "busy" in the ack itself instead of accepting work it cannot do soon.
 */
export class HandlerQueue {
  private readonly waiting: (() => Promise<void>)[] = [];
  private running = 0;
  private readonly idleWaiters: (() => void)[] = [];

  constructor(
    private readonly concurrency: number,
    private readonly maxQueued: number,
  ) {}

  get full(): boolean {
    return this.waiting.length >= this.maxQueued;
  }

  get size(): number {
    return this.waiting.length + this.running;
  }

  /** Queues `task`; false (and nothing queued) when the queue is full. Tasks must not throw. */
  offer(task: () => Promise<void>): boolean {
    if (this.full) return false;
    this.waiting.push(task);
    this.pump();
    return true;
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (this.running < this.concurrency && this.waiting.length > 0) {
      const task = this.waiting.shift()!;
      this.running++;
      // setImmediate: I/O already waiting (other requests to ack) goes first.
      setImmediate(() => {
        task().finally(() => {
          this.running--;
          this.pump();
          if (this.size === 0) for (const done of this.idleWaiters.splice(0)) done();
        });
      });
    }
  }
}
