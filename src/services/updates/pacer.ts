/**
 * Waits for something in a guest that takes about as long each time (an exec of the same script, the
 * agent coming back after a reboot) with few requests: the first look waits for what the last wait of
 * that kind took, then looks again every poll interval. A first look that already finds it done probes
 * 1% earlier next time; one that was too early learns the time it was seen done. So after the first VM
 * of a rollout, most waits cost one or two requests, as the task follower does for PVE tasks.
 */
import type { Clock } from "../ports.js";
import type { Sleep } from "../tasks/follow-task.js";

const EARLIER = 0.99;
/** While a kind has never been seen, looks grow apart by this factor, up to MAX_GROWTH poll intervals. */
const GROWTH = 1.5;
const MAX_GROWTH = 8;

export class Pacer {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly sleep: Sleep,
  ) {}

  /**
   * Calls `look` until it returns a value (not undefined), or returns undefined once `timeoutMs` passed.
   * `kind` groups waits that take alike long (`exec:apt-upgrade`, `agent-after-reboot`).
   */
  async until<T>(
    kind: string,
    look: () => Promise<T | undefined>,
    options: { pollMs: number; timeoutMs: number; firstLookAtOnce?: boolean },
  ): Promise<T | undefined> {
    const started = this.clock.now();
    const learned = options.firstLookAtOnce ? 0 : this.seen.get(kind);
    let delay = learned ?? options.pollMs;
    let first = true;
    for (;;) {
      if (delay > 0) await this.sleep(delay);
      const value = await look();
      const elapsed = this.clock.now() - started;
      if (value !== undefined) {
        if (first && learned !== undefined) this.seen.set(kind, Math.max(0, Math.round(learned * EARLIER)));
        else this.seen.set(kind, elapsed);
        return value;
      }
      if (elapsed >= options.timeoutMs) return undefined;
      first = false;
      // Waits of one kind often run side by side (a batch): one that has learned meanwhile sets the aim.
      const known = this.seen.get(kind);
      const aim =
        known === undefined
          ? Math.min(Math.max(delay, options.pollMs) * GROWTH, options.pollMs * MAX_GROWTH)
          : known > elapsed + options.pollMs
            ? known - elapsed
            : options.pollMs;
      delay = Math.min(aim, Math.max(0, options.timeoutMs - elapsed));
    }
  }
}
