/**
 * "Did you mean" for catalog keys. Keys share long prefixes (`ubuntu-24.04`, `ubuntu-24.04-minimal`), so a
 * key that starts with what was typed ranks first, then keys containing it, then plain edit distance.
 */
import { editDistance } from "../../edit-distance.js";

/**
 * The `n` keys nearest to `input`, best first; ties keep catalog order. Input is cut to 64 characters so a
 * pasted paragraph cannot make the quadratic distance expensive.
 */
export function closestKeys(input: string, keys: readonly string[], n: number): string[] {
  const needle = input.trim().toLowerCase().slice(0, 64);
  const scored = keys.map((key, index) => {
    const tier =
      needle.length >= 2 && key.startsWith(needle) ? 0 : needle.length >= 2 && key.includes(needle) ? 1 : 2;
    return { key, index, tier, distance: editDistance(needle, key) };
  });
  scored.sort((x, y) => x.tier - y.tier || x.distance - y.distance || x.index - y.index);
  return scored.slice(0, Math.max(0, n)).map((s) => s.key);
}
