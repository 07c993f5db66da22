import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../aggregators/index.js';
import { gammaDraw, symmetricDirichlet } from './distributions.js';

/** Sample mean and variance of `count` draws. */
function moments(count: number, draw: () => number): { mean: number; variance: number } {
  let sum = 0;
  let squares = 0;
  for (let i = 0; i < count; i++) {
    const x = draw();
    sum += x;
    squares += x * x;
  }
  const mean = sum / count;
  return { mean, variance: squares / count - mean * mean };
}

describe('distributions', () => {
  it('draws standard normals with mean 0, variance 1 and the right tail mass beyond 1.96', () => {
    const random = SeededRandom.fromSeed(1);
    const { mean, variance } = moments(200_000, () => random.normal());
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(variance - 1)).toBeLessThan(0.015);
    let beyond = 0;
    for (let i = 0; i < 200_000; i++) if (Math.abs(random.normal()) > 1.959963984540054) beyond++;
    expect(Math.abs(beyond / 200_000 - 0.05)).toBeLessThan(0.003);
  });

  it.each([0.1, 0.7, 1, 3.5])('draws Gamma(%f) with mean and variance equal to the shape', (shape) => {
    const random = SeededRandom.fromSeed(2);
    const { mean, variance } = moments(200_000, () => gammaDraw(random, shape));
    expect(Math.abs(mean - shape)).toBeLessThan(0.02 * Math.max(shape, 1));
    expect(Math.abs(variance - shape)).toBeLessThan(0.05 * Math.max(shape, 1));
  });

  it('draws Dirichlet weights that sum to 1 with mean 1/k', () => {
    const random = SeededRandom.fromSeed(3);
    const totals = new Float64Array(4);
    for (let i = 0; i < 20_000; i++) {
      const weights = symmetricDirichlet(random, 0.5, 4);
      expect(weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      weights.forEach((w, k) => (totals[k]! += w));
    }
    for (const total of totals) expect(Math.abs(total / 20_000 - 0.25)).toBeLessThan(0.01);
  });
});
