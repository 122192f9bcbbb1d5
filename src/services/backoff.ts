/**
 * The one backoff the bot's own retry loops use (Proxmox GETs, PVE tasks that failed transiently, Slack
 * deliveries, Redis reconnects): the first pause, doubled after each failed try, optionally capped. BullMQ
 * job retries use BullMQ's own strategy instead (src/adapters/queue/job-worker.ts).
 */

/** The pause after try `attempt` (1-based): `firstMs`, then twice that, and so on, at most `capMs`. */
export function doublingDelay(firstMs: number, attempt: number, capMs = Number.POSITIVE_INFINITY): number {
  // 2^30 times any sensible first pause is past every cap; stopping there keeps the result finite.
  return Math.min(firstMs * 2 ** Math.min(Math.max(attempt, 1) - 1, 30), capMs);
}
