import type { Gradient } from '../types.js';
import type { Kernels } from './kernels.js';

/** Coordinates per Gram block, as in the SIMD kernels. */
export const GRAM_BLOCK = 4096;

/** Bytes of one Gram accumulator: two vectors in the SIMD kernels, so 8 float32 or 4 float64 lanes (lane = offset in block mod that). */
const GRAM_ACCUMULATOR_BYTES = 32;

/**
 * Straightforward typed-array loops: the reference every faster backend is checked against.
 * They follow the SIMD kernels' lane layout and operation order, so both backends give
 * bit-identical results: combine accumulates in the rows' type with weights rounded to it, gram
 * in lanes of the rows' type within blocks and in float64 between them.
 */
export const plainKernels: Kernels = {
  name: 'plain',

  gram(rows) {
    const n = rows.length;
    const gram = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k <= i; k++) {
        const value = blockedDot(rows[i]!, rows[k]!);
        gram[i * n + k] = value;
        gram[k * n + i] = value;
      }
    }
    return gram;
  },

  combine(rows, weights, outs) {
    const n = rows.length;
    const d = rows[0]?.length ?? 0;
    const float32 = rows[0] instanceof Float32Array;
    outs.forEach((out, k) => {
      const sum = float32 ? new Float32Array(d) : new Float64Array(d);
      for (let i = 0; i < n; i++) {
        const w = weights[k * n + i]!;
        if (w === 0) continue;
        if (float32) addFloat32Product(sum, Math.fround(w), rows[i]!);
        else for (let j = 0; j < d; j++) sum[j]! += w * rows[i]![j]!;
      }
      out.set(sum);
    });
  },

  dots(rows, vector) {
    return Float64Array.from(rows, (row) => float64Dot(row, vector));
  },

  trimmedMean(rows, trim, out, keptCounts) {
    trimmedMeanColumns(rows, trim, out, keptCounts, 0, rows[0]?.length ?? 0);
  },

  meanAroundMedian(rows, drop, out, keptCounts) {
    meanAroundMedianColumns(rows, drop, out, keptCounts, 0, rows[0]?.length ?? 0);
  },

  withStagedRows(rows, use) {
    return use(rows);
  },

  findNonFinite(rows: readonly Gradient[]) {
    for (let row = 0; row < rows.length; row++) {
      const values = rows[row]!;
      for (let index = 0; index < values.length; index++) {
        const value = values[index]!;
        if (!Number.isFinite(value)) return { row, index, value };
      }
    }
    return undefined;
  },
};

/** sum += w·row in float32, rounding the product and then the sum, as one f32x4 multiply and add do. */
function addFloat32Product(sum: Gradient, w: number, row: Gradient): void {
  for (let j = 0; j < sum.length; j++) sum[j]! += Math.fround(w * row[j]!);
}

function float64Dot(a: Gradient, b: Gradient): number {
  let dot = 0;
  for (let j = 0; j < a.length; j++) dot += a[j]! * b[j]!;
  return dot;
}

/**
 * Dot product in blocks: within each block, products round to the rows' type and add into the
 * lanes of one accumulator, of that type; the lanes are summed in float64 in a pairwise tree
 * (((0+1)+(2+3))+((4+5)+(6+7)) for float32) and the blocks in order.
 */
function blockedDot(a: Gradient, b: Gradient): number {
  const lanes = a instanceof Float32Array ? new Float32Array(GRAM_ACCUMULATOR_BYTES / 4) : new Float64Array(GRAM_ACCUMULATOR_BYTES / 8);
  const round = a instanceof Float32Array ? Math.fround : (x: number) => x;
  let total = 0;
  for (let start = 0; start < a.length; start += GRAM_BLOCK) {
    const end = Math.min(start + GRAM_BLOCK, a.length);
    lanes.fill(0);
    for (let j = start; j < end; j++) lanes[(j - start) % lanes.length]! += round(a[j]! * b[j]!);
    total += pairwiseSum(lanes, 0, lanes.length);
  }
  return total;
}

function pairwiseSum(values: Gradient, start: number, end: number): number {
  if (end - start === 1) return values[start]!;
  const middle = (start + end) / 2;
  return pairwiseSum(values, start, middle) + pairwiseSum(values, middle, end);
}

/**
 * Trimmed mean of the columns [j0, j1): kept values are added in ascending order from +0 in
 * float64 and multiplied by 1/(n − 2·trim), so a zero result is +0 whatever the signs of the zeros.
 * Shared with the SIMD backend, which uses it for the columns past the last whole vector.
 */
export function trimmedMeanColumns<G extends Gradient>(rows: readonly G[], trim: number, out: G, keptCounts: Float64Array, j0: number, j1: number): void {
  const n = rows.length;
  const reciprocal = 1 / (n - 2 * trim);
  const column = new Float64Array(n);
  for (let j = j0; j < j1; j++) {
    for (let i = 0; i < n; i++) column[i] = rows[i]![j]!;
    column.sort();
    let sum = 0;
    for (let k = trim; k < n - trim; k++) sum += column[k]!;
    out[j] = sum * reciprocal;
    const lo = column[trim]!;
    const hi = column[n - 1 - trim]!;
    for (let i = 0; i < n; i++) {
      const x = rows[i]![j]!;
      if (x >= lo && x <= hi) keptCounts[i]! += 1;
    }
  }
}

/**
 * Mean around the median of the columns [j0, j1): the value farthest from the median is always at
 * one end of the sorted column, so `drop` ends are dropped, the upper one when both are equally far
 * (distances and the median in float64). The kept values are added in ascending order from +0 in
 * float64 and divided by their count. Shared with the SIMD backend, which uses it for the columns past the last whole vector.
 */
export function meanAroundMedianColumns<G extends Gradient>(rows: readonly G[], drop: number, out: G, keptCounts: Float64Array, j0: number, j1: number): void {
  const n = rows.length;
  const column = new Float64Array(n);
  for (let j = j0; j < j1; j++) {
    for (let i = 0; i < n; i++) column[i] = rows[i]![j]!;
    column.sort();
    const median = n % 2 === 1 ? column[(n - 1) / 2]! : (column[n / 2 - 1]! + column[n / 2]!) / 2;
    let lo = 0;
    let hi = n - 1;
    for (let dropped = 0; dropped < drop; dropped++) {
      if (column[hi]! - median >= median - column[lo]!) hi--;
      else lo++;
    }
    let sum = 0;
    for (let k = lo; k <= hi; k++) sum += column[k]!;
    out[j] = sum / (hi - lo + 1);
    for (let i = 0; i < n; i++) {
      const value = rows[i]![j]!;
      if (value >= column[lo]! && value <= column[hi]!) keptCounts[i]! += 1;
    }
  }
}
