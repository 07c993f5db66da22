import { describe, expect, it } from 'vitest';
import { GradientBatch } from '../batch.js';
import { InvalidParameterError } from '../errors.js';
import { plainKernels } from '../kernels/plain.js';
import { createAggregator } from '../registry.js';
import { clusteredRows, relativeError, SeededRandom } from '../testing.js';
import { clipPreAggregator } from './clip.js';

function apply(rows: Float64Array[], tau: number) {
  return clipPreAggregator.apply(new GradientBatch(rows, plainKernels), 1, { tau }, { value: undefined });
}

describe('clip', () => {
  it('scales rows longer than tau down to length tau and leaves the others', () => {
    const { batch } = apply([Float64Array.of(6, 8), Float64Array.of(0.6, 0.8), Float64Array.of(0, 0)], 5);
    expect(batch.rows.map((row) => Array.from(row))).toEqual([[3, 4], [0.6, 0.8], [0, 0]]);
  });

  it('matches per-row scaling by min(1, tau/‖g‖), and passes on the Gram matrix of the clipped rows', () => {
    const random = SeededRandom.fromSeed(91);
    const rows = clusteredRows(random, 8, 9, 3);
    const tau = 4;
    const result = apply(rows, tau);
    expect(result.f).toBe(1);
    result.batch.rows.forEach((row, i) => {
      const norm = Math.hypot(...rows[i]!);
      expect(relativeError(row, rows[i]!.map((value) => value * Math.min(1, tau / norm)))).toBeLessThan(1e-15);
    });
    expect(relativeError(result.batch.gram(), plainKernels.gram(result.batch.rows))).toBeLessThan(1e-13);
  });

  it('hands the batch on untouched when no row exceeds tau', () => {
    const rows = [Float64Array.of(1, 0), Float64Array.of(0, 1)];
    const batch = new GradientBatch(rows, plainKernels);
    expect(clipPreAggregator.apply(batch, 0, { tau: 2 }, { value: undefined }).batch).toBe(batch);
  });

  it('needs tau > 0', () => {
    expect(() => createAggregator({ name: 'mean', f: 0, pre: [{ name: 'clip' }] })).toThrow(InvalidParameterError);
    expect(() => createAggregator({ name: 'mean', f: 0, pre: [{ name: 'clip' }] })).toThrow('clip needs parameter tau (the norm bound), e.g. tau=1');
    expect(() => createAggregator({ name: 'mean', f: 0, pre: [{ name: 'clip', params: { tau: -1 } }] })).toThrow('clip parameter tau must be > 0, got -1');
  });
});
