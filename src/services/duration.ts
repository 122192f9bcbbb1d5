/**
 * The one way a configuration file writes a length of time: `250ms`, `30s`, `15m`, `2h`, `7d`, or a plain
 * number of milliseconds. Every config section (bot, HTTP, Proxmox, Slack, templates, audit) uses these,
 * so an operator learns one notation; values are parsed to milliseconds.
 */
import { z } from "zod";

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^(\d+)(ms|s|m|h|d)$/;

export const duration = z
  .union([z.number().int().nonnegative(), z.string().regex(DURATION, "use a duration like 30s, 15m, 2h, 1d")])
  .transform((v) => {
    if (typeof v === "number") return v;
    const m = DURATION.exec(v)!;
    return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
  });

/** For timeouts, expiries, retry delays and timer periods, where 0 means nothing (or "no limit" to Node). */
export const positiveDuration = duration.refine(
  (ms) => ms > 0,
  "must be longer than 0: a positive duration like 30s, 15m, 2h, 1d",
);

/**
 * A duration typed in chat (`silence 7f3a 4h`, the Silence… form): the same notation as the config, without
 * a bare number (a chat user typing `30` means minutes or hours, never milliseconds). Undefined when the text
 * is not a duration.
 */
export function parseChatDuration(text: string): number | undefined {
  const m = DURATION.exec(text.trim().toLowerCase());
  if (!m) return undefined;
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}
