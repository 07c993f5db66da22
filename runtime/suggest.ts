/**
 * Edit distance counting insertions, deletions, substitutions and swaps of two neighbours as one
 * each (optimal string alignment), since swapped letters are the commonest typing slip.
 */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = best;
    }
  }
  return rows[a.length]![b.length]!;
}

/**
 * The known name a mistyped `given` most likely meant: the closest by edit distance within a third
 * of its length (at least 2), or the one it abbreviates; undefined when nothing is that close.
 */
export function closestName(given: string, known: readonly string[]): string | undefined {
  const lowered = given.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = name.startsWith(lowered) && lowered.length >= 2 ? 0.5 : editDistance(lowered, name.toLowerCase());
    if (best === undefined || distance < best.distance) best = { name, distance };
  }
  return best !== undefined && best.distance <= Math.max(2, Math.floor(given.length / 3)) ? best.name : undefined;
}

/** ` (did you mean X?)` for a mistyped name, or nothing. */
export function didYouMean(given: string, known: readonly string[], prefix = ''): string {
  const name = closestName(given, known);
  return name === undefined ? '' : ` (did you mean ${prefix}${name}?)`;
}
