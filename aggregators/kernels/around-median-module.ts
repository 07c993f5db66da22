import { columnKernelModule, emitNetwork, emitSums, F64X2_DIV, halvesOf, storeSums, type ColumnCode, type ElementType } from './column-module.js';
import { orderStatisticNetwork } from './sorting-network.js';
import { V128 } from './wasm-encoder.js';

/**
 * The mean of the n − drop values of each column closest to its median (Bulyan's coordinate phase),
 * specialised to one (n, drop) and element type, and free of branches. After a full sort of the
 * column, the values kept are the window sorted[lo, lo + n − drop): plain.ts finds lo by dropping,
 * `drop` times, the end farther from the median (the upper one on a tie), and that is a merge of the
 * two ends' descending distances, so lo counts the i < drop with
 * median − sorted[i] > sorted[n − drop + i] − median. Distances, the median of an even column and the
 * sum are float64 as in plain.ts; the window is gathered with bitselects, its values added in
 * ascending order from +0, divided by n − drop and rounded to the element type.
 */
export function aroundMedianModule(n: number, drop: number, element: ElementType): Uint8Array {
  const kept = n - drop;
  return columnKernelModule(n, element, (column) => {
    const { code, wire } = column;
    emitNetwork(column, orderStatisticNetwork(n, 0, n - 1));
    const start = windowStart(column, n, drop);
    // window[t] = sorted[lo + t]: start from sorted[t] and move up one wire wherever lo ≥ s.
    const atLeast = Array.from({ length: drop }, (_, s) => {
      const mask = code.local(V128);
      element.splatInteger(code.get(start), s + 1).simd(element.integer.geSigned).set(mask);
      return mask;
    });
    const window = Array.from({ length: kept }, (_, t) => {
      const value = code.local(V128);
      code.get(wire(t)).set(value);
      atLeast.forEach((mask, s) => code.get(wire(t + s + 1)).get(value).get(mask).simd(0x52).set(value)); // v128.bitselect
      return value;
    });
    storeSums(column, emitSums(column, window), F64X2_DIV, kept);
    return { low: window[0]!, high: window[kept - 1]! };
  });
}

/** Emits lo per lane, as integers of the lane width in a new local: how many of the lowest `drop` sorted values are dropped. */
function windowStart(column: ColumnCode, n: number, drop: number): number {
  const { code, element, wire } = column;
  const counts = Array.from({ length: halvesOf(element) }, (_, half) => {
    const count = code.local(V128);
    code.i64(0).simd(0x12).set(count); // i64x2.splat 0
    if (drop === 0) return count;
    const median = code.local(V128);
    if (n % 2 === 1) element.pushHalf(code, wire((n - 1) / 2), half).set(median);
    else element.pushHalf(element.pushHalf(code, wire(n / 2 - 1), half), wire(n / 2), half).simd(0xf0).f64(0.5).simd(0x14).simd(0xf2).set(median);
    for (let i = 0; i < drop; i++) {
      code.get(count);
      element.pushHalf(code.get(median), wire(i), half).simd(0xf1); // median − sorted[i]
      element.pushHalf(code, wire(n - drop + i), half).get(median).simd(0xf1); // sorted[n − drop + i] − median
      code.simd(0x4a).simd(0xd1).set(count); // f64x2.gt; i64x2.sub: a true lane is −1
    }
    return count;
  });
  const start = code.local(V128);
  counts.forEach((count) => code.get(count));
  element.joinCounts(code).set(start);
  return start;
}
