/** Closest known name to a typo, for "did you mean" hints. Undefined when nothing is reasonably close. */
import { editDistance } from "../../services/edit-distance.js";

export function closest(input: string, candidates: readonly string[]): string | undefined {
  const needle = input.toLowerCase().slice(0, 64);
  let best: string | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const score = c.startsWith(needle) && needle.length >= 2 ? 0.5 : editDistance(needle, c.toLowerCase());
    if (score < bestScore) {
      best = c;
      bestScore = score;
    }
  }
  const limit = Math.max(2, Math.floor(needle.length / 3));
  return bestScore <= limit ? best : undefined;
}
