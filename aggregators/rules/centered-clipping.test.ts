import { describe, expect, it } from 'vitest';
import { InvalidParameterError, ShapeError } from '../errors.js';
import { createAggregator } from '../registry.js';
import { byzantineRows, clusteredRows, float64Rows, loadGoldenCases, relativeError, SeededRandom } from '../testing.js';

/** Centered clipping written out in d-space on the raw rows, to check the coefficient form against. */
function bruteForceCenteredClipping(rows: readonly Float64Array[], v0: Float64Array, tau: number, iters: number): Float64Array {
  let v = v0.slice();
  for (let step = 0; step < iters; step++) {
    const next = v.slice();
    for (const row of rows) {
      const norm = Math.sqrt(row.reduce((sum, value, j) => sum + (value - v[j]!) ** 2, 0));
      const factor = Math.min(1, tau / norm);
      row.forEach((value, j) => {
        next[j]! += ((value - v[j]!) * factor) / rows.length;
      });
    }
    v = next;
  }
  return v;
}

describe('centered-clipping', () => {
  it('moves from zero towards each gradient by at most tau on the first call', () => {
    const rule = createAggregator({ name: 'centered-clipping', f: 1, params: { tau: 5 } });
    const { output, diagnostics } = rule.aggregate([Float64Array.of(1), Float64Array.of(2), Float64Array.of(100)]);
    // Distances from 0 are 1, 2 and 100: only the last is clipped, to 5.
    expect(output[0]).toBeCloseTo(8 / 3, 15);
    expect(diagnostics.perWorker.clipFactor).toEqual([1, 1, 0.05]);
  });

  // Golden inputs go in as Float64Array rows: the float64 path the vectors' 1e-8 tolerance is meant for.
  it.each(loadGoldenCases().map((golden) => [golden.name, golden] as const))('matches centered_clipping of %s (v0 = 0, its tau and iters)', (_name, golden) => {
    const expected = golden.baselines.centered_clipping;
    expect(expected.v0).toBe('zeros');
    const rule = createAggregator({ name: 'centered-clipping', f: golden.f, params: { tau: expected.tau, iters: expected.iters } });
    const { output } = rule.aggregate(float64Rows(golden.inputs.grads));
    expect(relativeError(output, expected.output)).toBeLessThanOrEqual(1e-8);
  });

  it('starts each round from the previous aggregate, as the d-space definition does', () => {
    const random = SeededRandom.fromSeed(71);
    const rule = createAggregator({ name: 'centered-clipping', f: 2, params: { tau: 0.8, iters: 3 } });
    let v: Float64Array = new Float64Array(6);
    for (let round = 0; round < 4; round++) {
      const rows = clusteredRows(random, 7, 6, 1);
      const { output } = rule.aggregate(rows);
      v = bruteForceCenteredClipping(rows, v, 0.8, 3);
      expect(relativeError(output, v)).toBeLessThan(1e-12);
    }
    expect(relativeError(rule.getState()!['rule.previousAggregate'] as Float64Array, v)).toBeLessThan(1e-12);
  });

  it('checkpoints its previous aggregate: a restored rule continues exactly where the original would', () => {
    const random = SeededRandom.fromSeed(72);
    const first = clusteredRows(random, 5, 4, 1);
    const second = clusteredRows(random, 5, 4, 1);
    const original = createAggregator({ name: 'centered-clipping', f: 1, params: { tau: 0.5, iters: 2 } });
    original.aggregate(first);
    const saved = original.getState()!;
    expect(saved['rule.previousAggregate']).toBeInstanceOf(Float64Array);
    const restored = createAggregator({ name: 'centered-clipping', f: 1, params: { tau: 0.5, iters: 2 } });
    restored.setState(saved);
    expect(Array.from(restored.aggregate(second).output)).toEqual(Array.from(original.aggregate(second).output));
  });

  it('works on float32 rows with a float64 checkpoint, within float32 accuracy', () => {
    const random = SeededRandom.fromSeed(73);
    const rows = clusteredRows(random, 5, 8, 1);
    const rule = createAggregator({ name: 'centered-clipping', f: 1, params: { tau: 0.5 } });
    rule.setState({ 'rule.previousAggregate': rows[0]! });
    const { output } = rule.aggregate(rows.map((row) => Float32Array.from(row)));
    expect(output).toBeInstanceOf(Float32Array);
    expect(relativeError(output, bruteForceCenteredClipping(rows, rows[0]!, 0.5, 1))).toBeLessThan(1e-6);
  });

  it('rejects a stored aggregate of the wrong length and state keys of no stage', () => {
    const rule = createAggregator({ name: 'centered-clipping', f: 0 });
    rule.setState({ 'rule.previousAggregate': new Float64Array(3) });
    expect(() => rule.aggregate([new Float64Array(2)])).toThrow(ShapeError);
    expect(() => rule.aggregate([new Float64Array(2)])).toThrow('centered-clipping state holds a vector of length 3, but the gradients have length 2');
    expect(() => {
      rule.setState({ previousAggregate: new Float64Array(2) });
    }).toThrow(/state entry "previousAggregate" belongs to no stage/);
  });

  it('limits how far f gradients scaled by 1e6 move the aggregate: by at most 2f·tau/n per iteration', () => {
    const random = SeededRandom.fromSeed(75);
    const honest = clusteredRows(random, 7, 10);
    const byzantine = byzantineRows(honest, 3, 'scaled');
    const tau = 0.5;
    const clean = createAggregator({ name: 'centered-clipping', f: 3, params: { tau, iters: 2 } }).aggregate([...honest.slice(0, 3), ...honest]).output;
    const attacked = createAggregator({ name: 'centered-clipping', f: 3, params: { tau, iters: 2 } }).aggregate([...byzantine, ...honest]);
    expect(attacked.diagnostics.perWorker.clipFactor!.slice(0, 3).every((factor) => factor < 1e-5)).toBe(true);
    // Each step is a mean of n maps v ↦ v + clip_tau(g_i − v), each 1-Lipschitz in v; the f swapped
    // inputs add at most 2·tau each, so the gap grows by at most 2f·tau/n per iteration.
    const shift = Math.hypot(...attacked.output.map((value, j) => value - clean[j]!));
    expect(shift).toBeGreaterThan(0);
    expect(shift).toBeLessThanOrEqual((2 * ((2 * 3 * tau) / 10)) * (1 + 1e-12));
  });

  it('refuses a bad tau or iters', () => {
    expect(() => createAggregator({ name: 'centered-clipping', f: 0, params: { tau: 0 } })).toThrow('centered-clipping parameter tau must be > 0, got 0');
    expect(() => createAggregator({ name: 'centered-clipping', f: 0, params: { iters: 0 } })).toThrow(InvalidParameterError);
    expect(() => createAggregator({ name: 'centered-clipping', f: 0, params: { iters: 2.5 } })).toThrow('must be an integer');
  });
});
