import { describe, expect, it } from 'vitest';
import { ShapeError } from './errors.js';
import { allocateGradient, freeGradient } from './kernels/gradient-memory.js';
import { createAggregator, listRules } from './registry.js';
import { gaussianRows } from './testing.js';

const n = 15;
const f = 3;
const d = 1000;

/** Rows in the gradient memory, so the SIMD kernels read them in place. */
function rowsInGradientMemory(seed: number): Float32Array[] {
  return gaussianRows(seed, n, d).map((values) => {
    const row = allocateGradient(d);
    row.set(values);
    return row;
  });
}

describe('aggregating into a caller-provided output buffer', () => {
  it.each(listRules().map((rule) => rule.name))('%s writes the same values into the buffer as into a new array', (name) => {
    const rows = rowsInGradientMemory(7);
    const output = allocateGradient(d);
    try {
      const fresh = createAggregator({ name, f }).aggregate(rows).output;
      const result = createAggregator({ name, f }).aggregate(rows, { output });
      expect(result.output).toBe(output);
      expect(Array.from(output)).toEqual(Array.from(fresh));
    } finally {
      [...rows, output].forEach(freeGradient);
    }
  });

  it('rejects a buffer of the wrong length or element type', () => {
    const rows = gaussianRows(1, 3, 4);
    const rule = createAggregator({ name: 'mean', f: 0 });
    expect(() => rule.aggregate(rows, { output: new Float64Array(5) })).toThrow(ShapeError);
    expect(() => rule.aggregate(rows.map((row) => Float32Array.from(row)), { output: new Float32Array(3) })).toThrow(/expected a Float32Array of length 4/);
  });

  it('rejects a buffer that overlaps an input, naming the worker', () => {
    const storage = new Float64Array(12);
    const rows = [storage.subarray(0, 4), storage.subarray(4, 8), storage.subarray(8, 12)];
    const rule = createAggregator({ name: 'mean', f: 0 });
    expect(() => rule.aggregate(rows, { output: storage.subarray(6, 10) })).toThrow(/overlaps the gradient of worker 1/);
  });
});
