import { describe, expect, it } from 'vitest';
import { GradientBatch } from '../batch.js';
import { plainKernels } from '../kernels/plain.js';
import type { StateSlot } from '../rule.js';
import { createAggregator } from '../registry.js';
import { clusteredRows, relativeError, SeededRandom } from '../testing.js';
import { bucketingPreAggregator, bucketsOf } from './bucketing.js';

function apply(rows: Float64Array[], f: number, s: number, seed: number, state: StateSlot) {
  return bucketingPreAggregator.apply(new GradientBatch(rows, plainKernels), f, { s, seed }, state);
}

describe('bucketing', () => {
  it('splits a permutation into consecutive buckets, the last one smaller', () => {
    expect(bucketsOf([4, 0, 3, 1, 2], 2)).toEqual([[4, 0], [3, 1], [2]]);
  });

  it('averages the rows of each bucket of the seeded permutation', () => {
    const random = SeededRandom.fromSeed(101);
    const rows = clusteredRows(random, 7, 5, 1);
    const result = apply(rows, 2, 3, 42, { value: undefined });
    const buckets = bucketsOf(SeededRandom.fromSeed(42).permutation(7), 3);
    expect(result.batch.n).toBe(3);
    result.batch.rows.forEach((row, b) => {
      const members = buckets[b]!;
      const mean = row.map((_, k) => members.reduce((sum, i) => sum + rows[i]![k]!, 0) / members.length);
      expect(relativeError(row, mean)).toBeLessThan(1e-15);
    });
    // Each Byzantine worker spoils at most its own bucket; there are only 3 buckets to spoil.
    expect(result.f).toBe(2);
    expect(apply(rows, 5, 3, 42, { value: undefined }).f).toBe(3);
  });

  it('gives each worker the diagnostic of its bucket', () => {
    const rows = Array.from({ length: 6 }, (_, i) => Float64Array.of(i));
    const result = apply(rows, 1, 2, 7, { value: undefined });
    const buckets = bucketsOf(SeededRandom.fromSeed(7).permutation(6), 2);
    const perWorker = result.toWorkers([10, 20, 30]);
    buckets.forEach((members, b) => {
      for (const worker of members) expect(perWorker[worker]).toBe((b + 1) * 10);
    });
  });

  it('draws a new permutation every round, reproducibly from the seed, and checkpoints the generator', () => {
    const rows = Array.from({ length: 8 }, (_, i) => Float64Array.of(i));
    const build = () => createAggregator({ name: 'krum', f: 0, pre: [{ name: 'bucketing', params: { s: 2, seed: 3 } }] });
    const first = build();
    const twin = build();
    const rounds = Array.from({ length: 4 }, () => first.aggregate(rows).diagnostics.perWorker.selected);
    expect(Array.from({ length: 4 }, () => twin.aggregate(rows).diagnostics.perWorker.selected)).toEqual(rounds);
    expect(new Set(rounds.map((selected) => JSON.stringify(selected))).size).toBeGreaterThan(1);
    // Each worker in the chosen bucket is reported as selected: two workers per round.
    for (const selected of rounds) expect(selected!.reduce((sum, value) => sum + value, 0)).toBe(2);

    const saved = first.getState()!;
    expect(Object.keys(saved)).toEqual(['pre0.rngState']);
    const restored = build();
    restored.setState(saved);
    expect(restored.aggregate(rows).diagnostics).toEqual(first.aggregate(rows).diagnostics);
  });

  it('shares one checkpointable state with a stateful rule after it', () => {
    const rows = Array.from({ length: 6 }, (_, i) => Float64Array.of(i, -i));
    const build = () => createAggregator({ name: 'centered-clipping', f: 1, params: { tau: 1 }, pre: [{ name: 'bucketing' }] });
    const original = build();
    original.aggregate(rows);
    const saved = original.getState()!;
    expect(Object.keys(saved).sort()).toEqual(['pre0.rngState', 'rule.previousAggregate']);
    const restored = build();
    restored.setState(saved);
    expect(Array.from(restored.aggregate(rows).output)).toEqual(Array.from(original.aggregate(rows).output));
  });

  it('checks its parameters', () => {
    expect(() => createAggregator({ name: 'mean', f: 0, pre: [{ name: 'bucketing', params: { s: 0 } }] })).toThrow('bucketing parameter s must be ≥ 1, got 0');
    expect(() => createAggregator({ name: 'mean', f: 0, pre: [{ name: 'bucketing', params: { seed: -1 } }] })).toThrow('bucketing parameter seed must be ≥ 0, got -1');
  });
});
