import { describe, expect, it } from 'vitest';
import { TooFewInputsError } from '../errors.js';
import { createAggregator } from '../registry.js';
import { byzantineRows, clusteredRows, coordinateRange, float64Rows, loadGoldenCases, relativeError, SeededRandom, type Attack } from '../testing.js';
import { plainKernels } from '../kernels/plain.js';

/** Bulyan's coordinate phase from its definition: sort each column by distance to its median (ties → smaller value), average the β nearest. */
function bruteForceAroundMedian(rows: readonly Float64Array[], f: number): number[] {
  const beta = rows.length - 2 * f;
  return Array.from(rows[0]!, (_, j) => {
    const column = rows.map((row) => row[j]!).sort((a, b) => a - b);
    const middle = column.length / 2;
    const median = column.length % 2 === 1 ? column[Math.floor(middle)]! : (column[middle - 1]! + column[middle]!) / 2;
    const nearest = [...column].sort((a, b) => Math.abs(a - median) - Math.abs(b - median) || a - b).slice(0, beta);
    return nearest.reduce((sum, value) => sum + value, 0) / beta;
  });
}

describe('bulyan', () => {
  it('with f = 0 keeps every row and averages all values, like the mean', () => {
    const rows = [Float64Array.of(0.2, 1), Float64Array.of(0.7, 2), Float64Array.of(1.0, 3)];
    const { output, diagnostics } = createAggregator({ name: 'bulyan', f: 0 }).aggregate(rows);
    expect(output[0]).toBeCloseTo(1.9 / 3, 15);
    expect(output[1]).toBe(2);
    expect(diagnostics.perWorker.selected).toEqual([1, 1, 1]);
    // Repeated Krum picks (0.7, 2) first: its nearest neighbour is at squared distance 1.09, tied with (1.0, 3) → lower index.
    expect(diagnostics.perWorker.pickOrder![1]).toBe(1);
  });

  it('averages, per coordinate, the β values nearest the median of the picked rows', () => {
    // θ = 7 picked rows and f = 1: drop the 2 values farthest from the median, average β = 5.
    const column = [0, 1, 2, 3, 4, 9, 10];
    const out = new Float64Array(1);
    const keptCounts = new Float64Array(7);
    plainKernels.meanAroundMedian(column.map((value) => Float64Array.of(value)), 2, out, keptCounts);
    // Median 3; distances 3, 2, 1, 0, 1, 6, 7 → keep 0..4.
    expect(out[0]).toBe(2);
    expect(Array.from(keptCounts)).toEqual([1, 1, 1, 1, 1, 0, 0]);
  });

  it('matches its coordinate-phase definition on random columns, with ties and even sizes', () => {
    const random = SeededRandom.fromSeed(51);
    for (const [theta, f] of [
      [7, 1],
      [8, 1],
      [11, 2],
      [12, 3],
    ] as const) {
      // Small integers make ties in value and in distance to the median common; uniform values make them absent.
      for (const draw of [() => Math.round(random.next() * 6), () => random.next()]) {
        const rows = Array.from({ length: theta }, () => Float64Array.from({ length: 40 }, draw));
        const out = new Float64Array(40);
        plainKernels.meanAroundMedian(rows, 2 * f, out, new Float64Array(theta));
        expect(relativeError(out, bruteForceAroundMedian(rows, f))).toBeLessThan(1e-15);
      }
    }
  });

  // Golden inputs go in as Float64Array rows: the float64 path the vectors' 1e-8 tolerance is meant for.
  const withBulyan = loadGoldenCases().filter((golden) => golden.baselines.bulyan_standard !== null);
  it.each(withBulyan.map((golden) => [golden.name, golden] as const))('matches bulyan_standard of %s, picks in the same order', (_name, golden) => {
    const expected = golden.baselines.bulyan_standard!;
    const { output, diagnostics } = createAggregator({ name: 'bulyan', f: expected.f }).aggregate(float64Rows(golden.inputs.grads));
    expect(relativeError(output, expected.output)).toBeLessThanOrEqual(1e-8);
    if (expected.picked !== null) {
      const order = diagnostics.perWorker.pickOrder!;
      const picked = expected.picked.map((_, k) => order.indexOf(k + 1));
      expect(picked).toEqual(expected.picked);
    }
  });

  it('refuses the golden cases where n < 4f+3, as the vectors do', () => {
    for (const golden of loadGoldenCases().filter((candidate) => candidate.baselines.bulyan_standard === null)) {
      expect(() => createAggregator({ name: 'bulyan', f: golden.f }).aggregate(float64Rows(golden.inputs.grads))).toThrow(TooFewInputsError);
    }
  });

  // Repeated Krum's last pick scores the 2f+1 remaining rows over f−1 neighbours: none for f = 1, so
  // every score is 0 and the tie rule (lower index) decides; the closest remaining pair ties for f = 2.
  // Which worker a row came from then matters, as the definition's tie rule says.
  it('with f = 1 makes its last pick by worker index: the lowest-numbered of the three rows left', () => {
    const rows = clusteredRows(SeededRandom.fromSeed(53), 7, 10, 1);
    const { pickOrder } = createAggregator({ name: 'bulyan', f: 1 }).aggregate(rows).diagnostics.perWorker;
    const last = pickOrder!.indexOf(5);
    const left = pickOrder!.flatMap((order, worker) => (order === 0 || order === 5 ? [worker] : []));
    expect(left).toHaveLength(3);
    expect(last).toBe(Math.min(...left));
  });

  it.each<[Attack, number, number]>([
    ['scaled', 7, 1],
    ['sign-flip', 7, 1],
    ['scaled', 12, 2],
    ['sign-flip', 12, 2],
    ['scaled', 15, 3],
    ['sign-flip', 15, 3],
  ])('stays within the honest rows per coordinate under a %s attack (n=%i, f=%i)', (attack, n, f) => {
    const random = SeededRandom.fromSeed(n * 47 + f);
    const honest = clusteredRows(random, n - f, 12);
    const { output, diagnostics } = createAggregator({ name: 'bulyan', f }).aggregate([...byzantineRows(honest, f, attack), ...honest]);
    const { min, max } = coordinateRange(honest);
    output.forEach((value, j) => {
      expect(value).toBeGreaterThanOrEqual(min[j]!);
      expect(value).toBeLessThanOrEqual(max[j]!);
    });
    // Late rounds of repeated Krum score only |remaining|−f−2 neighbours, so identical colluders can be
    // picked last; the coordinate phase then drops their values everywhere.
    expect(diagnostics.perWorker.keptShare!.slice(0, f)).toEqual(new Array<number>(f).fill(0));
  });
});
