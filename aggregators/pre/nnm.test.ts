import { describe, expect, it } from 'vitest';
import { GradientBatch } from '../batch.js';
import { TooFewInputsError } from '../errors.js';
import { plainKernels } from '../kernels/plain.js';
import { createAggregator } from '../registry.js';
import { clusteredRows, relativeError, SeededRandom } from '../testing.js';
import { nnmPreAggregator } from './nnm.js';

/** NNM from its definition on the raw rows: sort every row's distances explicitly, average the n−f nearest. */
function bruteForceNnm(rows: readonly Float64Array[], f: number): Float64Array[] {
  return rows.map((row) => {
    const byDistance = rows
      .map((other, j) => ({ j, distance: row.reduce((sum, value, k) => sum + (value - other[k]!) ** 2, 0) }))
      .sort((a, b) => a.distance - b.distance || a.j - b.j);
    const nearest = byDistance.slice(0, rows.length - f);
    return row.map((_, k) => nearest.reduce((sum, { j }) => sum + rows[j]![k]!, 0) / nearest.length);
  });
}

function apply(rows: Float64Array[], f: number) {
  return nnmPreAggregator.apply(new GradientBatch(rows, plainKernels), f, {}, { value: undefined });
}

describe('nnm', () => {
  it('replaces each row by the mean of its n−f nearest rows, itself included', () => {
    // f = 1: 0 mixes with 1, 1 with 0 (tie with 2 → lower index), 2 with 1, 10 with 2.
    const { batch } = apply([Float64Array.of(0), Float64Array.of(1), Float64Array.of(2), Float64Array.of(10)], 2);
    expect(batch.rows.map((row) => row[0])).toEqual([0.5, 0.5, 1.5, 6]);
  });

  it('matches explicit sorting of raw distances, and passes on the Gram matrix of the mixed rows', () => {
    const random = SeededRandom.fromSeed(81);
    for (const [n, f] of [
      [5, 1],
      [9, 3],
      [12, 5],
    ] as const) {
      const rows = clusteredRows(random, n, 7, 1);
      const result = apply(rows, f);
      expect(result.f).toBe(f);
      const expected = bruteForceNnm(rows, f);
      result.batch.rows.forEach((row, i) => {
        expect(relativeError(row, expected[i]!)).toBeLessThan(1e-14);
      });
      expect(relativeError(result.batch.gram(), plainKernels.gram(result.batch.rows))).toBeLessThan(1e-13);
      expect(result.toWorkers([1, 2, 3])).toEqual([1, 2, 3]);
    }
  });

  it('runs before a rule through the registry', () => {
    const random = SeededRandom.fromSeed(82);
    const rows = clusteredRows(random, 7, 5, 1);
    const { output } = createAggregator({ name: 'mean', f: 2, pre: [{ name: 'nnm' }] }).aggregate(rows);
    const mixed = bruteForceNnm(rows, 2);
    const expected = rows[0]!.map((_, k) => mixed.reduce((sum, row) => sum + row[k]!, 0) / mixed.length);
    expect(relativeError(output, expected)).toBeLessThan(1e-14);
  });

  it('refuses n ≤ f and takes no parameters', () => {
    expect(() => apply([new Float64Array(1)], 1)).toThrow(TooFewInputsError);
    expect(() => apply([new Float64Array(1)], 1)).toThrow('nnm needs n > f: got n=1, f=1');
    expect(() => createAggregator({ name: 'mean', f: 0, pre: [{ name: 'nnm', params: { k: 2 } }] })).toThrow(/nnm has no parameter "k"/);
  });
});
