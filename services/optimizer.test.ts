import { describe, expect, it } from 'vitest';
import { learningRateAt, SgdOptimizer } from './optimizer.js';

const base = { learningRate: 0.5, momentum: 0, weightDecay: 0, lrDecayFactor: 1, lrDecayEveryRounds: 10 };

function sameBits(a: Float32Array, b: Float32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

describe('SgdOptimizer', () => {
  it('takes a plain step θ − η·g and reports its norm', () => {
    const optimizer = new SgdOptimizer(base);
    const theta = new Float32Array([1, 2]);
    const step = optimizer.step(theta, new Float32Array([2, -4]), 0);
    expect(Array.from(step.parameters)).toEqual([0, 4]);
    expect(step.updateNorm).toBeCloseTo(Math.hypot(1, 2), 12);
    expect(Array.from(theta)).toEqual([1, 2]);
  });

  it('follows v ← μv + g + λθ, θ ← θ − ηv over three steps, against a float64 loop', () => {
    const config = { ...base, learningRate: 0.1, momentum: 0.9, weightDecay: 0.01 };
    const optimizer = new SgdOptimizer(config);
    const gradients = [[1, -2, 0.5], [0.25, 1, -1], [-3, 0, 2]];
    let theta: Float32Array = new Float32Array([0.5, -0.5, 1]);
    const expected = [0.5, -0.5, 1];
    const velocity = [0, 0, 0];
    gradients.forEach((g, round) => {
      theta = optimizer.step(theta, new Float32Array(g), round).parameters;
      for (let j = 0; j < 3; j++) {
        velocity[j] = 0.9 * velocity[j]! + g[j]! + 0.01 * expected[j]!;
        expected[j] = expected[j]! - 0.1 * velocity[j]!;
      }
    });
    for (let j = 0; j < 3; j++) expect(theta[j]).toBeCloseTo(expected[j]!, 6);
  });

  it('gives the same step in slices as in one pass, momentum included, across slice boundaries', async () => {
    const config = { ...base, learningRate: 0.1, momentum: 0.9, weightDecay: 0.01 };
    const d = (1 << 18) * 2 + 5;
    const theta = Float32Array.from({ length: d }, (_, j) => Math.sin(j));
    const gradient = Float32Array.from({ length: d }, (_, j) => Math.cos(3 * j));
    const whole = new SgdOptimizer(config);
    const sliced = new SgdOptimizer(config);
    for (let round = 0; round < 2; round++) {
      const expected = whole.step(theta, gradient, round);
      const actual = await sliced.stepInSlices(theta, gradient, round);
      // Bit for bit, compared as bytes: an element-wise deep equality of 2¹⁹ values takes seconds.
      expect(sameBits(actual.parameters, expected.parameters)).toBe(true);
      expect(actual.updateNorm).toBe(expected.updateNorm);
      expect(sameBits(sliced.getVelocity()!, whole.getVelocity()!)).toBe(true);
    }
  });

  it('writes each step into the buffer it is given, and reusing two θ and two v buffers changes no bit', () => {
    const config = { ...base, learningRate: 0.1, momentum: 0.9, weightDecay: 0.01 };
    const d = 1000;
    const gradientAt = (round: number) => Float32Array.from({ length: d }, (_, j) => Math.cos(j + 7 * round));
    const fresh = new SgdOptimizer(config);
    const recycling = new SgdOptimizer(config);
    let expected: Float32Array = Float32Array.from({ length: d }, (_, j) => Math.sin(j));
    let current: Float32Array = expected.slice();
    let spare: Float32Array = new Float32Array(d);
    for (let round = 0; round < 5; round++) {
      expected = fresh.step(expected, gradientAt(round), round).parameters;
      const step = recycling.step(current, gradientAt(round), round, spare);
      expect(step.parameters).toBe(spare);
      [current, spare] = [step.parameters, current];
      expect(current).toEqual(expected);
      expect(recycling.getVelocity()).toEqual(fresh.getVelocity());
    }
    expect(() => recycling.step(current, gradientAt(0), 0, current)).toThrow(RangeError);
  });

  it('decays the learning rate by γ every k rounds', () => {
    const config = { ...base, learningRate: 1, lrDecayFactor: 0.5, lrDecayEveryRounds: 10 };
    expect([0, 9, 10, 25].map((round) => learningRateAt(config, round))).toEqual([1, 1, 0.5, 0.25]);
  });
});
