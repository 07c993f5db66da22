import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../errors.js';
import { createAggregator } from '../registry.js';
import { byScore } from './multi-krum.js';
import { byzantineRows, clusteredRows, float64Rows, loadGoldenCases, relativeError, SeededRandom, type Attack } from '../testing.js';

describe('multi-krum', () => {
  it('averages the m rows with the lowest scores', () => {
    // Scores with f=0 (one neighbour each): 0.25, 0.09, 0.09, 4 → with m=2 it averages 0.7 and 1.0.
    const rows = [0.2, 0.7, 1.0, 3.0].map((value) => Float64Array.of(value));
    const { output, diagnostics } = createAggregator({ name: 'multi-krum', f: 0, params: { m: 2 } }).aggregate(rows);
    expect(output[0]).toBeCloseTo(0.85, 15);
    expect(diagnostics.perWorker.selected).toEqual([0, 1, 1, 0]);
  });

  it('with m = 1 is Krum', () => {
    const random = SeededRandom.fromSeed(31);
    const rows = clusteredRows(random, 8, 6, 1);
    const multi = createAggregator({ name: 'multi-krum', f: 2, params: { m: 1 } }).aggregate(rows);
    const single = createAggregator({ name: 'krum', f: 2 }).aggregate(rows);
    expect(Array.from(multi.output)).toEqual(Array.from(single.output));
    expect(multi.diagnostics.perWorker).toEqual(single.diagnostics.perWorker);
  });

  // Golden inputs go in as Float64Array rows: the float64 path the vectors' 1e-8 tolerance is meant for.
  it.each(loadGoldenCases().map((golden) => [golden.name, golden] as const))('matches multikrum_standard of %s (default m = n−f)', (_name, golden) => {
    const expected = golden.baselines.multikrum_standard;
    const rule = createAggregator({ name: 'multi-krum', f: expected.f });
    const { output, diagnostics } = rule.aggregate(float64Rows(golden.inputs.grads));
    expect(relativeError(output, expected.output)).toBeLessThanOrEqual(1e-8);
    const selected = diagnostics.perWorker.selected!.flatMap((flag, i) => (flag === 1 ? [i] : []));
    expect(selected).toEqual([...expected.selected].sort((a, b) => a - b));
    expect(byScore(Float64Array.from(diagnostics.perWorker.score!)).slice(0, expected.m)).toEqual(expected.selected);
    expect(expected.m).toBe(golden.n - expected.f);
  });

  it.each<[Attack, number, number]>([
    ['scaled', 7, 2],
    ['sign-flip', 7, 2],
    ['scaled', 13, 5],
    ['sign-flip', 13, 5],
  ])('selects only honest rows under a %s attack (n=%i, f=%i)', (attack, n, f) => {
    const random = SeededRandom.fromSeed(n * 43 + f);
    const honest = clusteredRows(random, n - f, 12);
    const { diagnostics } = createAggregator({ name: 'multi-krum', f }).aggregate([...byzantineRows(honest, f, attack), ...honest]);
    const selected = diagnostics.perWorker.selected!;
    expect(selected.slice(0, f)).toEqual(new Array<number>(f).fill(0));
    expect(selected.slice(f)).toEqual(new Array<number>(n - f).fill(1));
  });

  it('rejects m > n at call time, and a bad m at build time', () => {
    const rule = createAggregator({ name: 'multi-krum', f: 1, params: { m: 6 } });
    const rows = Array.from({ length: 5 }, () => new Float64Array(2));
    expect(() => rule.aggregate(rows)).toThrow(InvalidParameterError);
    expect(() => rule.aggregate(rows)).toThrow('multi-krum parameter m=6 exceeds the number of gradients n=5');
    expect(() => createAggregator({ name: 'multi-krum', f: 1, params: { m: 0 } })).toThrow('multi-krum parameter m must be ≥ 1, got 0');
    expect(() => createAggregator({ name: 'multi-krum', f: 1, params: { m: 1.5 } })).toThrow('must be an integer');
  });
});
