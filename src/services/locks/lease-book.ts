/**
 * The leases a job holds, by job id. Leases are process-local handles: a retry on another worker takes
 * them again, and a cleanup in this process releases whatever this process still holds.
 */
import type { Lease, Semaphore } from "./ports.js";

export type LeaseBook = Map<string, Lease[]>;

export interface SlotRequest {
  key: string;
  limit: number;
}

/**
 * Takes `slots` one after the other, in the order given (callers keep one global order so two jobs never
 * wait on each other), and records each under `holder` as soon as it is held, so a cleanup running while
 * the job still waits releases the ones already taken. On a failure (an abort, Redis down) everything
 * taken is released before the error goes on. Does nothing when `holder` already holds its slots.
 */
export async function acquireInOrder(
  semaphore: Semaphore,
  book: LeaseBook,
  holder: string,
  slots: readonly SlotRequest[],
  options: { leaseMs: number; signal?: AbortSignal },
): Promise<void> {
  if (book.has(holder)) return;
  const held: Lease[] = [];
  book.set(holder, held);
  try {
    for (const slot of slots) {
      held.push(await semaphore.acquire(slot.key, slot.limit, { owner: holder, ...options }));
    }
  } catch (err) {
    await releaseHeld(book, holder);
    throw err;
  }
}

/** Releases what `holder` holds; a lease that fails to release expires by itself. */
export async function releaseHeld(book: LeaseBook, holder: string): Promise<void> {
  const held = book.get(holder) ?? [];
  book.delete(holder);
  await Promise.all(held.map((l) => l.release().catch(() => undefined)));
}
