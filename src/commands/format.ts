/** Small text formatters shared by command replies. */

/** `2026-11-26 04:12:03 UTC` */
export function formatTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace("T", " ")} UTC`;
}
