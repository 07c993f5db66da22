import { columnKernelModule, emitNetwork, emitSums, F64X2_MUL, storeSums, type ElementType } from './column-module.js';
import { orderStatisticNetwork } from './sorting-network.js';

/**
 * The trimmed mean of each column, specialised to one (n, trim) and element type: the pruned
 * comparator network runs on a v128 of coordinates at a time, then the kept values are summed in
 * float64. Kept values are added in ascending order from +0 in float64, multiplied by
 * 1/(n − 2·trim) and rounded to the element type, exactly as plain.ts does; the kept range is
 * [sorted[trim], sorted[n−1−trim]].
 */
export function trimmedMeanModule(n: number, trim: number, element: ElementType): Uint8Array {
  const first = trim;
  const last = n - 1 - trim;
  return columnKernelModule(n, element, (column) => {
    const { wire } = column;
    emitNetwork(column, orderStatisticNetwork(n, first, last));
    const kept = Array.from({ length: last - first + 1 }, (_, k) => wire(first + k));
    storeSums(column, emitSums(column, kept), F64X2_MUL, 1 / kept.length);
    return { low: wire(first), high: wire(last) };
  });
}
