/**
 * Follows a PVE task with few status requests, for any job. Tasks of one kind take about as long each
 * time (a download of the same size, an import, a resize), so the first poll waits for the duration seen
 * last time for that task type and later polls are short. The generic `waitForTask` of the adapter
 * starts at 250 ms and backs off, which costs five or more requests for a two-second download; this costs
 * one or two once a duration is known.
 */
import type { Clock } from "../ports.js";
import { type Proxmox, ProxmoxError, ProxmoxTaskError, type TaskDone } from "../proxmox.js";

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const realSleep: Sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new Error("aborted"));
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason ?? new Error("aborted"));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });

const WARNINGS = /^WARNINGS: (\d+)$/;
const FIRST_POLL_UNKNOWN_MS = 250;
const FOLLOW_UP_MS = 100;
const MAX_POLL_MS = 1000;
const GROWTH = 1.4;
/** After a first look that found the task done, the next first look comes this much earlier. */
const EARLIER = 0.97;
/** Follow-ups stay at FOLLOW_UP_MS until the task has run this multiple of its learned duration. */
const NEAR_END = 1.3;
/** A scout polls again after this share of the time its task has run (at least FOLLOW_UP_MS). */
const SCOUT_SHARE = 0.1;

/**
 * Remembers how long each task type took, per process, converging just under the real duration. While a
 * type is unknown, the first follower of it is its scout: it polls closely (every tenth of the time run
 * so far), so it sees the end at most about 10 % late and learns the duration to within one short gap.
 * Followers of the same type that start meanwhile (a `vm create --count` clones a node's VMs together)
 * look for themselves only once a second, wake when the scout learns and aim at the learned end, instead
 * of each finding the end up to a long interval late and learning a duration up to half of it too long.
 * Limits: a much slower task than last time costs extra polls growing to 1 s apart; a much faster one is
 * noticed only at the first poll, at most the remembered duration late; behind a scout, a task shorter
 * than the scout's is seen up to 1 s late.
 */
export class TaskFollower {
  private readonly seen = new Map<string, number>();
  /** Types whose scout is following a task now. */
  private readonly scouting = new Set<string>();
  /** Followers of an unknown type sleeping on their own interval, woken when the type is learned. */
  private readonly waiting = new Map<string, Set<() => void>>();

  constructor(
    private readonly proxmox: Proxmox,
    private readonly clock: Clock,
    private readonly sleep: Sleep = realSleep,
    private readonly timeoutMs = 30 * 60_000,
  ) {}

  /** Resolves on OK or WARNINGS; throws ProxmoxTaskError with PVE's message and the log tail otherwise. */
  async follow(upid: string, options: { signal?: AbortSignal; onPoll?: () => void } = {}): Promise<TaskDone> {
    const type = upid.split(":")[5] ?? "";
    const scout = !this.seen.has(type) && !this.scouting.has(type);
    if (!scout) return this.poll(upid, type, false, options);
    this.scouting.add(type);
    try {
      return await this.poll(upid, type, true, options);
    } finally {
      // Learned or not (an abort), the others go on by their own intervals; one of them may scout next.
      this.scouting.delete(type);
      this.wake(type);
    }
  }

  private wake(type: string): void {
    for (const wake of [...(this.waiting.get(type) ?? [])]) wake();
  }

  /** Sleeps `ms`, or less when `type` gets learned meanwhile (then the caller aims at the learned end). */
  private async sleepUnlessLearned(type: string, ms: number, signal?: AbortSignal): Promise<void> {
    if (this.seen.has(type)) return this.sleep(ms, signal);
    const woken = new AbortController();
    const wakers = this.waiting.get(type) ?? new Set<() => void>();
    this.waiting.set(type, wakers);
    const wake = () => woken.abort();
    wakers.add(wake);
    try {
      await this.sleep(ms, signal ? AbortSignal.any([signal, woken.signal]) : woken.signal);
    } catch (err) {
      if (signal?.aborted || !woken.signal.aborted) throw err;
    } finally {
      wakers.delete(wake);
      if (wakers.size === 0) this.waiting.delete(type);
    }
  }

  private async poll(
    upid: string,
    type: string,
    scout: boolean,
    options: { signal?: AbortSignal; onPoll?: () => void },
  ): Promise<TaskDone> {
    const startedAt = this.clock.now();
    // Behind a scout, the follower looks for itself once a second (its task may be shorter than the
    // scout's); for a task as long as the scout's, the scout's wake-up comes first.
    let delay = this.seen.get(type) ?? (scout ? FIRST_POLL_UNKNOWN_MS : MAX_POLL_MS);
    let first = true;
    // Elapsed time of the last poll that found the task still running: the task ended after it.
    let runningAt = 0;
    for (;;) {
      if (scout || this.seen.has(type)) await this.sleep(delay, options.signal);
      else {
        await this.sleepUnlessLearned(type, delay, options.signal);
        const learned = this.seen.get(type);
        const elapsed = this.clock.now() - startedAt;
        // Woken by the scout: wait for the rest of the learned duration, counted from this task's start.
        if (learned !== undefined && learned > elapsed) await this.sleep(learned - elapsed, options.signal);
      }
      // When this look goes out: the sleep, or less when the scout woke this follower early.
      const lookAt = this.clock.now() - startedAt;
      const status = await this.proxmox.taskStatus(upid);
      const elapsed = this.clock.now() - startedAt;
      if (status.status === "stopped") {
        // Done at the first look: the task may have been faster than the estimate, so probe a little
        // earlier next time. Otherwise it ended between the last two polls: take the middle of that gap
        // (wide while a type is still being learned, one follow-up interval afterwards).
        const estimate = first ? Math.min(delay, lookAt) * EARLIER : (runningAt + elapsed) / 2;
        this.seen.set(type, Math.max(10, Math.round(estimate)));
        const exit = status.exitstatus ?? "unexpected status";
        if (exit === "OK") return { upid, exitstatus: exit, warnings: 0, durationMs: elapsed };
        const warn = WARNINGS.exec(exit);
        if (warn) return { upid, exitstatus: exit, warnings: Number(warn[1]), durationMs: elapsed };
        const tail = await this.proxmox.taskLogTail(upid, 10).then(
          (log) => log.lines,
          () => [] as string[],
        );
        throw new ProxmoxTaskError(
          `Proxmox task ${type} on ${status.node} failed: ${exit}`,
          upid,
          exit,
          tail,
        );
      }
      runningAt = elapsed;
      options.onPoll?.();
      if (elapsed >= this.timeoutMs) {
        throw new ProxmoxError(
          "E_PVE",
          `Proxmox task ${type} is still running after ${Math.round(elapsed / 1000)} s; it continues on Proxmox (task ${upid})`,
        );
      }
      // Another build may have learned this type's duration meanwhile (concurrent builds start their
      // first tasks together): then aim at that end instead of growing the interval blindly.
      // Near a known end the follow-ups stay short; a task much slower than learned backs off.
      const learned = this.seen.get(type);
      if (scout && learned === undefined) delay = Math.max(FOLLOW_UP_MS, Math.round(elapsed * SCOUT_SHARE));
      else if (learned === undefined) delay = MAX_POLL_MS;
      else if (learned !== undefined && learned > elapsed + FOLLOW_UP_MS) delay = learned - elapsed;
      else if (learned !== undefined && elapsed < learned * NEAR_END) delay = FOLLOW_UP_MS;
      else delay = Math.min(MAX_POLL_MS, Math.round(Math.max(delay, FOLLOW_UP_MS) * GROWTH));
      first = false;
    }
  }
}
