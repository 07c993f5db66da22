/**
 * Comparator networks for per-coordinate order statistics. A compare-exchange on wires (low, high)
 * leaves the smaller value on `low` and the larger on `high`; an op that only one output is needed
 * from computes just that side.
 */
export interface CompareOp {
  readonly low: number;
  readonly high: number;
  /** Whether the new value of `low` (the minimum) is used later. */
  readonly keepMin: boolean;
  /** Whether the new value of `high` (the maximum) is used later. */
  readonly keepMax: boolean;
}

/**
 * Batcher's odd–even merge sort (Batcher, 1968) for n wires: built for the next power of two and
 * cut to n, which is exact because the missing wires would hold +∞ and no comparator moves them.
 */
export function batcherSortingNetwork(n: number): [number, number][] {
  let size = 1;
  while (size < n) size *= 2;
  const comparators: [number, number][] = [];
  for (let p = 1; p < size; p *= 2) {
    for (let k = p; k >= 1; k = Math.floor(k / 2)) {
      for (let j = k % p; j + k < size; j += 2 * k) {
        for (let i = 0; i < k && i + j + k < size; i++) {
          const low = i + j;
          const high = i + j + k;
          if (Math.floor(low / (2 * p)) === Math.floor(high / (2 * p)) && high < n) comparators.push([low, high]);
        }
      }
    }
  }
  return comparators;
}

/**
 * The sorting network for n wires pruned to the sorted positions [first, last]: comparators whose
 * results never reach those outputs are dropped, and one-sided ones compute only the side needed.
 */
export function orderStatisticNetwork(n: number, first: number, last: number): CompareOp[] {
  const live = Array.from({ length: n }, (_, wire) => wire >= first && wire <= last);
  const ops: CompareOp[] = [];
  const comparators = batcherSortingNetwork(n);
  for (let index = comparators.length - 1; index >= 0; index--) {
    const [low, high] = comparators[index]!;
    const keepMin = live[low]!;
    const keepMax = live[high]!;
    if (!keepMin && !keepMax) continue;
    live[low] = true;
    live[high] = true;
    ops.push({ low, high, keepMin, keepMax });
  }
  return ops.reverse();
}
