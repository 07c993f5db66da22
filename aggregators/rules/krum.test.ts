import { describe, expect, it } from 'vitest';
import { squaredDistances } from '../gram.js';
import { createAggregator } from '../registry.js';
import { byzantineRows, clusteredRows, float64Rows, loadGoldenCases, relativeError, SeededRandom, type Attack } from '../testing.js';
import { selectKrum } from './krum.js';

/** Krum written out from its definition on the raw rows, to check the Gram-based version against. */
function bruteForceKrumScores(rows: readonly Float64Array[], f: number): number[] {
  return rows.map((row, i) => {
    const distances = rows.filter((_, j) => j !== i).map((other) => row.reduce((sum, value, k) => sum + (value - other[k]!) ** 2, 0));
    return distances.sort((a, b) => a - b).slice(0, rows.length - f - 2).reduce((sum, value) => sum + value, 0);
  });
}

describe('krum', () => {
  it('picks 0.7 among 0.2, 0.7 and 1.0 (each scored by its single nearest neighbour)', () => {
    const { output, diagnostics } = createAggregator({ name: 'krum', f: 0 }).aggregate([Float64Array.of(0.2), Float64Array.of(0.7), Float64Array.of(1.0)]);
    expect(Array.from(output)).toEqual([0.7]);
    expect(diagnostics.perWorker.selected).toEqual([0, 1, 0]);
    // Nearest-neighbour squared distances: 0.25, 0.09 and 0.09; the tie goes to the lower index.
    expect(diagnostics.perWorker.score![0]).toBeCloseTo(0.25, 14);
    expect(diagnostics.perWorker.score![1]).toBeCloseTo(0.09, 14);
  });

  it('breaks a tie in score towards the lower index', () => {
    const { diagnostics } = createAggregator({ name: 'krum', f: 0 }).aggregate([Float64Array.of(0), Float64Array.of(1), Float64Array.of(2)]);
    expect(diagnostics.perWorker.selected).toEqual([1, 0, 0]);
  });

  // Golden inputs go in as Float64Array rows: the float64 path the vectors' 1e-8 tolerance is meant for.
  it.each(loadGoldenCases().map((golden) => [golden.name, golden] as const))('matches krum_standard of %s', (_name, golden) => {
    const expected = golden.baselines.krum_standard;
    const { output, diagnostics } = createAggregator({ name: 'krum', f: expected.f }).aggregate(float64Rows(golden.inputs.grads));
    expect(relativeError(output, expected.output)).toBeLessThanOrEqual(1e-8);
    expect(diagnostics.perWorker.selected!.indexOf(1)).toBe(expected.selected);
  });

  it('decides from the Gram matrix alone, with the scores of the definition', () => {
    const random = SeededRandom.fromSeed(21);
    const rows = clusteredRows(random, 9, 7, 1);
    const n = rows.length;
    const gram = Float64Array.from({ length: n * n }, (_, index) => rows[Math.floor(index / n)]!.reduce((sum, value, k) => sum + value * rows[index % n]![k]!, 0));
    const selection = selectKrum(gram, n, 2);
    expect(relativeError(selection.scores, bruteForceKrumScores(rows, 2))).toBeLessThan(1e-12);
    expect(squaredDistances(gram, n)[0]).toBe(0);
  });

  it.each<[Attack, number, number]>([
    ['scaled', 7, 2],
    ['sign-flip', 7, 2],
    ['scaled', 11, 4],
    ['sign-flip', 11, 4],
  ])('selects an honest row under a %s attack (n=%i, f=%i)', (attack, n, f) => {
    const random = SeededRandom.fromSeed(n * 41 + f);
    const honest = clusteredRows(random, n - f, 12);
    const { diagnostics } = createAggregator({ name: 'krum', f }).aggregate([...byzantineRows(honest, f, attack), ...honest]);
    expect(diagnostics.perWorker.selected!.slice(0, f)).toEqual(new Array<number>(f).fill(0));
  });
});
