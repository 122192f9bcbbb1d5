/** Text formatting shared by services and commands, so every reply words times the same way. */

/** Human duration: 850ms, 42s, 3m 05s, 1h 02m, and 3d 4h from two days on (template ages, expiries). */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, "0")}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h ${String(minutes % 60).padStart(2, "0")}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

/**
 * `2026-11-26 04:12 UTC`, or `2026-11-26 04:12:03 UTC` with seconds. UTC, because a chat message is read
 * in many zones and the bot cannot know each reader's; minutes are enough for humans except where records
 * are told apart by the second (audit lines, job times).
 */
export function formatUtc(ms: number, precision: "minute" | "second" = "minute"): string {
  const end = precision === "second" ? 19 : 16;
  return `${new Date(ms).toISOString().slice(0, end).replace("T", " ")} UTC`;
}
