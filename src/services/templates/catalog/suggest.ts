/**
 * "Did you mean" for catalog keys. Keys share long prefixes (`ubuntu-24.04`, `ubuntu-24.04-minimal`), so a
 * key that starts with what was typed ranks first, then keys containing it, then plain edit distance.
 */

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 1; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      }
      rows[i]![j] = best;
    }
  }
  return rows[a.length]![b.length]!;
}

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
