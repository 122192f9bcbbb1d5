/** Small text formatters shared by command replies. */

/** `2026-11-26 04:12:03 UTC` */
export function formatTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** Cuts a list to `max` rows and says how many were left out. */
export function limitRows<T>(rows: T[], max: number, hint: string): { rows: T[]; footer?: string } {
  if (rows.length <= max) return { rows };
  return { rows: rows.slice(0, max), footer: `… ${rows.length - max} more; ${hint}` };
}
