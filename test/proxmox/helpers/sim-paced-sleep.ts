/**
 * A sleep for task followers in tests, paced by the simulator: it ends after `ms` as usual, or as soon as
 * the simulator stops a task that this sleep has not yet woken for. A follower's first poll of a task type
 * it has not learned waits a fixed 250 ms of wall clock; against tasks the simulator runs in 20 ms that
 * guess, not the simulated duration, set each test's pace. Woken at the simulated end, the follower reads
 * the task's status as it would after its own wait, so what it does with the answer is unchanged.
 */
import type { Sleep } from "../../../src/services/tasks/follow-task.js";
import type { PveSimulator } from "../../../src/sim/pve/index.js";

export function simPacedSleep(sim: PveSimulator): Sleep {
  let ended = 0;
  // Ends counted when a sleep last returned: a task that stopped in between (between the request that
  // started it and the follower's first sleep) wakes the next sleep at once.
  let seen = 0;
  const waiters = new Set<() => void>();
  sim.onTaskEnd(() => {
    ended++;
    for (const wake of [...waiters]) wake();
  });
  return (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason ?? new Error("aborted"));
      if (ended > seen) {
        seen = ended;
        return resolve();
      }
      const finish = () => {
        clearTimeout(timer);
        waiters.delete(finish);
        signal?.removeEventListener("abort", onAbort);
        seen = ended;
        resolve();
      };
      const onAbort = () => {
        clearTimeout(timer);
        waiters.delete(finish);
        reject(signal?.reason ?? new Error("aborted"));
      };
      const timer = setTimeout(finish, ms);
      waiters.add(finish);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
}
