/** Small text formatters shared by command replies. */

/** `2026-11-26 04:12:03 UTC` */
export function formatTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** `3m 12s`, `2h 5m`, `45s` */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** Cuts a list to `max` rows and says how many were left out. */
export function limitRows<T>(rows: T[], max: number, hint: string): { rows: T[]; footer?: string } {
  if (rows.length <= max) return { rows };
  return { rows: rows.slice(0, max), footer: `… ${rows.length - max} more; ${hint}` };
}
