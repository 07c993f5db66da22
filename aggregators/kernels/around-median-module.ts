import { columnKernelModule, emitNetwork, F64X2_DIV, promoteHalf, storeSums } from './column-module.js';
import { orderStatisticNetwork } from './sorting-network.js';
import { V128, type FunctionCode } from './wasm-encoder.js';

/** i8x16.shuffle lanes that take the low i32 of each i64 lane of two vectors: two i64x2 counts as one i32x4. */
const LOW_WORDS = [0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27];

/**
 * The mean of the n − drop values of each column closest to its median (Bulyan's coordinate phase),
 * specialised to one (n, drop) and free of branches. After a full sort of the column, the values kept
 * are the window sorted[lo, lo + n − drop): plain.ts finds lo by dropping, `drop` times, the end farther
 * from the median (the upper one on a tie), and that is a merge of the two ends' descending distances,
 * so lo counts the i < drop with median − sorted[i] > sorted[n − drop + i] − median. Distances, the
 * median of an even column and the sum are float64 as in plain.ts; the window is gathered with
 * bitselects, its values added in ascending order from +0, divided by n − drop and rounded to float32.
 */
export function aroundMedianModule(n: number, drop: number): Uint8Array {
  const kept = n - drop;
  return columnKernelModule(n, (column) => {
    const { code, wire } = column;
    emitNetwork(code, orderStatisticNetwork(n, 0, n - 1), wire);
    const start = windowStart(code, n, drop, wire);
    // window[t] = sorted[lo + t]: start from sorted[t] and move up one wire wherever lo ≥ s.
    const atLeast = Array.from({ length: drop }, () => code.local(V128));
    atLeast.forEach((mask, s) => code.get(start).i32(s + 1).simd(0x11).simd(0x3f).set(mask)); // i32x4.ge_s(lo, splat(s+1))
    const window = Array.from({ length: kept }, (_, t) => {
      const value = code.local(V128);
      code.get(wire(t)).set(value);
      atLeast.forEach((mask, s) => code.get(wire(t + s + 1)).get(value).get(mask).simd(0x52).set(value)); // v128.bitselect
      return value;
    });
    const sums = [code.local(V128), code.local(V128)] as const;
    sums.forEach((sum, half) => {
      code.f64(0).simd(0x14).set(sum);
      for (const value of window) promoteHalf(code.get(sum), value, half as 0 | 1).simd(0xf0).set(sum);
    });
    storeSums(column, sums, F64X2_DIV, kept);
    return { low: window[0]!, high: window[kept - 1]! };
  });
}

/** Emits lo per lane as an i32x4 in a new local: how many of the lowest `drop` sorted values are dropped. */
function windowStart(code: FunctionCode, n: number, drop: number, wire: (i: number) => number): number {
  const start = code.local(V128);
  const halves = [0, 1] as const;
  const counts = halves.map(() => code.local(V128));
  const median = halves.map(() => code.local(V128));
  halves.forEach((half) => {
    code.i32(0).simd(0x11).set(counts[half]!);
    if (drop === 0) return;
    if (n % 2 === 1) promoteHalf(code, wire((n - 1) / 2), half).set(median[half]!);
    else promoteHalf(promoteHalf(code, wire(n / 2 - 1), half), wire(n / 2), half).simd(0xf0).f64(0.5).simd(0x14).simd(0xf2).set(median[half]!);
    for (let i = 0; i < drop; i++) {
      code.get(counts[half]!);
      promoteHalf(code.get(median[half]!), wire(i), half).simd(0xf1); // median − sorted[i]
      promoteHalf(code, wire(n - drop + i), half).get(median[half]!).simd(0xf1); // sorted[n − drop + i] − median
      code.simd(0x4a).simd(0xd1).set(counts[half]!); // f64x2.gt; i64x2.sub: a true lane is −1
    }
  });
  code.get(counts[0]!).get(counts[1]!).shuffle(LOW_WORDS).set(start);
  return start;
}
