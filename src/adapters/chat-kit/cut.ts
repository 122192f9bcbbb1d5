/**
 * Cutting text to a platform's length limit. Slack and Discord count characters; counting UTF-16 units
 * can only over-count, so a text cut here always fits.
 */

/** `s` cut to at most `max` UTF-16 units, ending in "…" when cut, never splitting a surrogate pair. */
export function cut(s: string, max: number): string {
  if (s.length <= max) return s;
  let end = max - 1;
  const code = s.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${s.slice(0, end)}…`;
}
