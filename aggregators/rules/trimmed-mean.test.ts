import { describe, expect, it } from 'vitest';
import { createAggregator } from '../registry.js';
import { byzantineRows, clusteredRows, coordinateRange, float64Rows, loadGoldenCases, relativeError, SeededRandom, type Attack } from '../testing.js';

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
});
