import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../errors.js';
import { createAggregator } from '../registry.js';
import { byzantineRows, clusteredRows, float64Rows, loadGoldenCases, relativeError, SeededRandom } from '../testing.js';

function distance(a: Float64Array, b: Float64Array): number {
  return Math.sqrt(a.reduce((sum, value, j) => sum + (value - b[j]!) ** 2, 0));
}

/** Σ_i (z − g_i)/‖z − g_i‖: zero at the geometric median when z sits on no row. */
function objectiveGradient(rows: readonly Float64Array[], z: Float64Array): Float64Array {
  const gradient = new Float64Array(z.length);
  for (const row of rows) {
    const length = distance(z, row);
    z.forEach((value, j) => (gradient[j]! += (value - row[j]!) / length));
  }
  return gradient;
}

describe('geometric-median', () => {
  it('finds the middle point in one dimension and the center of a square', () => {
    const line = createAggregator({ name: 'geometric-median', f: 1 }).aggregate([Float64Array.of(0), Float64Array.of(1), Float64Array.of(10)]);
    expect(line.output[0]).toBeCloseTo(1, 9);
    const square = createAggregator({ name: 'geometric-median', f: 1 }).aggregate([Float64Array.of(0, 0), Float64Array.of(2, 0), Float64Array.of(0, 2), Float64Array.of(2, 2)]);
    expect(Array.from(square.output)).toEqual([1, 1]);
    expect(square.diagnostics.perWorker.weight).toEqual([0.25, 0.25, 0.25, 0.25]);
    expect(square.diagnostics.summary.converged).toBe(1);
  });

  // Golden inputs go in as Float64Array rows: the float64 path the vectors' 1e-8 tolerance is meant for.
  it.each(loadGoldenCases().map((golden) => [golden.name, golden] as const))('matches geometric_median of %s', (_name, golden) => {
    const { output, diagnostics } = createAggregator({ name: 'geometric-median', f: golden.f }).aggregate(float64Rows(golden.inputs.grads));
    expect(relativeError(output, golden.baselines.geometric_median.output)).toBeLessThanOrEqual(1e-8);
    expect(diagnostics.summary.converged).toBe(1);
    const weights = diagnostics.perWorker.weight!;
    expect(weights.reduce((sum, w) => sum + w, 0)).toBeCloseTo(1, 14);
  });

  it('returns a point where the objective is flat, and reports that objective', () => {
    const random = SeededRandom.fromSeed(61);
    const rows = clusteredRows(random, 9, 14, 1);
    const { output, diagnostics } = createAggregator({ name: 'geometric-median', f: 2 }).aggregate(rows);
    const gradient = objectiveGradient(rows, output);
    // Each term has length 1, so a gradient norm ≪ n means the first-order condition holds.
    expect(Math.hypot(...gradient)).toBeLessThan(1e-9);
    const objective = rows.reduce((sum, row) => sum + distance(output, row), 0);
    expect(diagnostics.summary.objective).toBeCloseTo(objective, 10);
  });

  it('stops at maxIterations: one step is one Weiszfeld update from the mean', () => {
    const rows = [Float64Array.of(0, 0), Float64Array.of(4, 0), Float64Array.of(0, 3)];
    const { output, diagnostics } = createAggregator({ name: 'geometric-median', f: 1, params: { maxIterations: 1 } }).aggregate(rows);
    const mean = Float64Array.of(4 / 3, 1);
    const inverse = rows.map((row) => 1 / distance(row, mean));
    const total = inverse.reduce((sum, value) => sum + value, 0);
    const expected = [0, 1].map((j) => rows.reduce((sum, row, i) => sum + (inverse[i]! / total) * row[j]!, 0));
    expect(relativeError(output, expected)).toBeLessThan(1e-15);
    expect(diagnostics.summary).toMatchObject({ iterations: 1, converged: 0 });
  });

  it.each([
    [7, 3],
    [12, 5],
  ])('stays within the breakdown bound of the honest rows when f=%i of n=%i rows are scaled by 1e6', (n, f) => {
    const random = SeededRandom.fromSeed(n * 53 + f);
    const honest = clusteredRows(random, n - f, 10);
    const { output } = createAggregator({ name: 'geometric-median', f }).aggregate([...byzantineRows(honest, f, 'scaled'), ...honest]);
    const center = Float64Array.from({ length: 10 }, (_, j) => honest.reduce((sum, row) => sum + row[j]!, 0) / honest.length);
    const radius = Math.max(...honest.map((row) => distance(row, center)));
    // With α = f/n < ½ outliers, ‖z − x‖ ≤ 2(1−α)/(1−2α) · max over honest rows of ‖g_i − x‖ for any x.
    const alpha = f / n;
    expect(distance(output, center)).toBeLessThanOrEqual(((2 * (1 - alpha)) / (1 - 2 * alpha)) * radius);
  });

  it('refuses bad parameters', () => {
    expect(() => createAggregator({ name: 'geometric-median', f: 0, params: { nu: 0 } })).toThrow('geometric-median parameter nu must be > 0, got 0');
    expect(() => createAggregator({ name: 'geometric-median', f: 0, params: { maxIterations: 0 } })).toThrow(InvalidParameterError);
    expect(() => createAggregator({ name: 'geometric-median', f: 0, params: { tol: -1 } })).toThrow(InvalidParameterError);
  });
});
