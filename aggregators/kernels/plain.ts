import type { Gradient } from '../types.js';
import type { Kernels } from './kernels.js';

/** Straightforward typed-array loops: the reference every faster backend is checked against. */
export const plainKernels: Kernels = {
  name: 'plain',

  gram(rows) {
    const n = rows.length;
    const gram = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      const a = rows[i]!;
      for (let k = 0; k <= i; k++) {
        const b = rows[k]!;
        let dot = 0;
        for (let j = 0; j < a.length; j++) dot += a[j]! * b[j]!;
        gram[i * n + k] = dot;
        gram[k * n + i] = dot;
      }
    }
    return gram;
  },

  combine(rows, weights, outs) {
    const n = rows.length;
    const d = rows[0]?.length ?? 0;
    outs.forEach((out, k) => {
      const sum = new Float64Array(d);
      for (let i = 0; i < n; i++) {
        const w = weights[k * n + i]!;
        if (w === 0) continue;
        const row = rows[i]!;
        for (let j = 0; j < d; j++) sum[j]! += w * row[j]!;
      }
      out.set(sum);
    });
  },

  dots(rows, vector) {
    return Float64Array.from(rows, (row) => {
      let dot = 0;
      for (let j = 0; j < row.length; j++) dot += row[j]! * vector[j]!;
      return dot;
    });
  },

  trimmedMean(rows, trim, out, keptCounts) {
    const n = rows.length;
    const d = rows[0]?.length ?? 0;
    const column = new Float64Array(n);
    for (let j = 0; j < d; j++) {
      for (let i = 0; i < n; i++) column[i] = rows[i]![j]!;
      column.sort();
      let sum = 0;
      for (let k = trim; k < n - trim; k++) sum += column[k]!;
      out[j] = sum / (n - 2 * trim);
      const lo = column[trim]!;
      const hi = column[n - 1 - trim]!;
      for (let i = 0; i < n; i++) {
        const x = rows[i]![j]!;
        if (x >= lo && x <= hi) keptCounts[i]! += 1;
      }
    }
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
