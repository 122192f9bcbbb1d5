/**
 * Text for inventory replies: sizes in binary units (as the PVE GUI shows them), percentages, uptimes.
 * Chat tables are narrow, so every value is short.
 */
import { formatUtc } from "../format.js";

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

/** `512 B`, `1.5 GiB`, `12 GiB`; one decimal below 10 units. */
export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes) || bytes < 0) return "?";
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const shown = unit === 0 || value >= 10 ? Math.round(value).toString() : value.toFixed(1);
  return `${shown} ${UNITS[unit]}`;
}

/** `37%` for 0.37; `?` when unknown. */
export function formatPercent(fraction: number | undefined): string {
  if (fraction === undefined || !Number.isFinite(fraction)) return "?";
  return `${Math.round(fraction * 100)}%`;
}

/** `1.5/16 GiB (9%)` */
export function formatUsage(used: number | undefined, total: number | undefined): string {
  if (used === undefined || total === undefined || total <= 0) return "?";
  return `${formatBytes(used)} / ${formatBytes(total)} (${formatPercent(used / total)})`;
}

/** `45s`, `12m`, `5h 3m`, `12d 4h` from seconds. */
export function formatUptime(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds <= 0) return "-";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** `2026-11-26 04:12 UTC` from seconds since the epoch. */
export function formatEpoch(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return "?";
  return formatUtc(seconds * 1000);
}
