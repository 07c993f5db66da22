import { columnKernelModule, emitNetwork, F64X2_MUL, promoteHalf, storeSums } from './column-module.js';
import { orderStatisticNetwork } from './sorting-network.js';
import { V128 } from './wasm-encoder.js';

/**
 * The trimmed mean of each column, specialised to one (n, trim): the pruned comparator network runs
 * on four coordinates at a time in f32x4 registers, then the kept values are summed in float64.
 * Kept values are added in ascending order from +0 in float64, multiplied by 1/(n − 2·trim) and
 * rounded to float32, exactly as plain.ts does; the kept range is [sorted[trim], sorted[n−1−trim]].
 */
export function trimmedMeanModule(n: number, trim: number): Uint8Array {
  const first = trim;
  const last = n - 1 - trim;
  return columnKernelModule(n, (column) => {
    const { code, wire } = column;
    emitNetwork(code, orderStatisticNetwork(n, first, last), wire);
    const sums = [code.local(V128), code.local(V128)] as const;
    sums.forEach((sum, half) => {
      code.f64(0).simd(0x14).set(sum); // f64x2.splat 0
      for (let k = first; k <= last; k++) promoteHalf(code.get(sum), wire(k), half as 0 | 1).simd(0xf0).set(sum); // f64x2.add
    });
    storeSums(column, sums, F64X2_MUL, 1 / (last - first + 1));
    return { low: wire(first), high: wire(last) };
  });
}
