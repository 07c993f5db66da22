import { describe, expect, it } from 'vitest';
import { InvalidParameterError, TooFewInputsError } from '../errors.js';
import { createAggregator } from '../registry.js';
import { byzantineRows, clusteredRows, coordinateRange, float64Rows, loadGoldenCases, permutationDrift, relativeError, SeededRandom, type Attack } from '../testing.js';

describe('trimmed-mean', () => {
  it('drops the f largest and f smallest values per coordinate and averages the rest', () => {
    const rows = [0, -50, 3, 6, 1000].map((value, i) => Float64Array.of(value, i));
    const { output, diagnostics } = createAggregator({ name: 'trimmed-mean', f: 1 }).aggregate(rows);
    // Coordinate 0 keeps 0, 3, 6; coordinate 1 keeps 1, 2, 3.
    expect(Array.from(output)).toEqual([3, 2]);
    expect(diagnostics.perWorker.keptShare).toEqual([0.5, 0.5, 1, 1, 0]);
  });

  // Golden inputs go in as Float64Array rows: the float64 path the vectors' 1e-8 tolerance is meant for.
  it.each(loadGoldenCases().map((golden) => [golden.name, golden] as const))('matches trimmed_mean of %s', (_name, golden) => {
    const { output } = createAggregator({ name: 'trimmed-mean', f: golden.baselines.trimmed_mean.f }).aggregate(float64Rows(golden.inputs.grads));
    expect(relativeError(output, golden.baselines.trimmed_mean.output)).toBeLessThanOrEqual(1e-8);
  });

  it('with f = 0 is the mean', () => {
    const random = SeededRandom.fromSeed(5);
    const rows = clusteredRows(random, 6, 9, 1);
    const trimmed = createAggregator({ name: 'trimmed-mean', f: 0 }).aggregate(rows).output;
    const mean = createAggregator({ name: 'mean', f: 0 }).aggregate(rows).output;
    expect(relativeError(trimmed, mean)).toBeLessThan(1e-15);
  });

  it('is unchanged by reordering the workers, and its keptShare follows them', () => {
    const random = SeededRandom.fromSeed(12);
    const rows = clusteredRows(random, 11, 16, 1);
    const drift = permutationDrift(() => createAggregator({ name: 'trimmed-mean', f: 3 }), rows, random.permutation(11));
    expect(drift.output).toBeLessThan(1e-15);
    expect(drift.diagnostics).toBe(0);
  });

  it.each<[Attack, number, number]>([
    ['scaled', 9, 4],
    ['sign-flip', 9, 4],
    ['scaled', 10, 2],
    ['sign-flip', 10, 2],
  ])('stays within the honest rows per coordinate under a %s attack (n=%i, f=%i)', (attack, n, f) => {
    const random = SeededRandom.fromSeed(n * 37 + f);
    const honest = clusteredRows(random, n - f, 12);
    const { output, diagnostics } = createAggregator({ name: 'trimmed-mean', f }).aggregate([...byzantineRows(honest, f, attack), ...honest]);
    const { min, max } = coordinateRange(honest);
    output.forEach((value, j) => {
      expect(value).toBeGreaterThanOrEqual(min[j]!);
      expect(value).toBeLessThanOrEqual(max[j]!);
    });
    if (attack === 'scaled') expect(diagnostics.perWorker.keptShare!.slice(0, f)).toEqual(new Array<number>(f).fill(0));
  });

  it('refuses n ≤ 2f with the condition in the message, and unknown parameters', () => {
    const rule = createAggregator({ name: 'trimmed-mean', f: 3 });
    const rows = Array.from({ length: 6 }, () => new Float64Array(3));
    expect(() => rule.aggregate(rows)).toThrow(TooFewInputsError);
    expect(() => rule.aggregate(rows)).toThrow('trimmed-mean needs n > 2f: got n=6, f=3');
    expect(() => createAggregator({ name: 'trimmed-mean', f: 1, params: { beta: 0.1 } })).toThrow(InvalidParameterError);
  });
});
