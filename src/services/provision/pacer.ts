/**
 * When to look again at something that takes about as long each time: a guest's boot until its agent
 * answers (per template), a post-boot step (per step name). The first look waits for the time seen last
 * time, measured from the start; later looks come quickly, then less often (up to `maxMs`). One pacer
 * per process, like the task follower: a job's first VM teaches the rest, so a VM costs one or two
 * requests where fixed polling costs one per interval and answers up to an interval late.
 */
const FIRST_UNKNOWN_MS = 250;
const FOLLOW_UP_MS = 100;
const GROWTH = 1.5;
/** After a first look that found it done, the next first look comes this much earlier. */
const EARLIER = 0.97;

export class Pacer {
  private readonly learned = new Map<string, number>();

  constructor(private readonly maxMs: number) {}

  /** The pause before look `attempt` (0 is the first) at `key`, started `elapsedMs` ago. */
  delay(key: string, attempt: number, elapsedMs: number): number {
    if (attempt === 0) {
      const known = this.learned.get(key);
      return known === undefined ? Math.min(FIRST_UNKNOWN_MS, this.maxMs) : Math.max(0, known - elapsedMs);
    }
    return Math.min(this.maxMs, FOLLOW_UP_MS * GROWTH ** (attempt - 1));
  }

  /**
   * What the look that found it done says. Found at the first look, it took at most `tookMs` (a guest
   * that booted long before the look says little), so the estimate only shrinks, a little each time, to
   * find the real duration from above. Found after a miss, it took about `tookMs`: the estimate moves
   * halfway toward it, so one slow boot does not stick.
   */
  learn(key: string, tookMs: number, firstLook: boolean): void {
    const known = this.learned.get(key);
    if (known === undefined) this.learned.set(key, tookMs);
    else if (firstLook) this.learned.set(key, Math.min(known, tookMs) * EARLIER);
    else this.learned.set(key, (known + tookMs) / 2);
  }
}
