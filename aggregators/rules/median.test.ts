import { describe, expect, it } from 'vitest';
import { createAggregator } from '../registry.js';
import { byzantineRows, clusteredRows, coordinateRange, float64Rows, loadGoldenCases, relativeError, SeededRandom, type Attack } from '../testing.js';

describe('median', () => {
  it('takes the middle value per coordinate, and the mean of the two middle values for even n', () => {
    const odd = createAggregator({ name: 'median', f: 1 }).aggregate([new Float64Array([1, 30]), new Float64Array([2, -5]), new Float64Array([100, 10])]);
    expect(Array.from(odd.output)).toEqual([2, 10]);
    // Worker 2's 100 lies outside the kept range [2, 2] in coordinate 0 but is the kept 10 in coordinate 1.
    expect(odd.diagnostics.perWorker.keptShare).toEqual([0, 0.5, 0.5]);
    const even = createAggregator({ name: 'median', f: 1 }).aggregate([new Float64Array([4]), new Float64Array([1]), new Float64Array([3]), new Float64Array([2])]);
    expect(Array.from(even.output)).toEqual([2.5]);
    expect(even.diagnostics.perWorker.keptShare).toEqual([0, 0, 1, 1]);
  });

  // Golden inputs go in as Float64Array rows: the float64 path the vectors' 1e-8 tolerance is meant for.
  it.each(loadGoldenCases().map((golden) => [golden.name, golden] as const))('matches median_numpy of %s', (_name, golden) => {
    const { output } = createAggregator({ name: 'median', f: golden.f }).aggregate(float64Rows(golden.inputs.grads));
    expect(relativeError(output, golden.baselines.median_numpy)).toBeLessThanOrEqual(1e-8);
  });

  it.each<[Attack, number, number]>([
    ['scaled', 9, 4],
    ['sign-flip', 9, 4],
    ['scaled', 8, 3],
    ['sign-flip', 8, 3],
  ])('stays within the honest rows per coordinate under a %s attack (n=%i, f=%i)', (attack, n, f) => {
    const random = SeededRandom.fromSeed(n * 31 + f);
    const honest = clusteredRows(random, n - f, 12);
    const { output } = createAggregator({ name: 'median', f }).aggregate([...byzantineRows(honest, f, attack), ...honest]);
    const { min, max } = coordinateRange(honest);
    output.forEach((value, j) => {
      expect(value).toBeGreaterThanOrEqual(min[j]!);
      expect(value).toBeLessThanOrEqual(max[j]!);
    });
  });
});
