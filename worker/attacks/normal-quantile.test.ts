import { describe, expect, it } from 'vitest';
import { ParameterError } from '../../runtime/errors.js';
import { normalCdf, normalQuantile } from './normal-quantile.js';

// Reference values from scipy.stats.norm (scipy 1.17.1, float64): norm.cdf and norm.ppf.
const cdfReference: [number, number][] = [
  [-30, 4.906713927147908e-198],
  [-8, 6.22096057427174e-16],
  [-5, 2.866515718791933e-7],
  [-3, 0.0013498980316300933],
  [-2.5, 0.006209665325776132],
  [-1, 0.15865525393145707],
  [0.3, 0.6179114221889526],
  [2.9999, 0.998649658717045],
  [3, 0.9986501019683699],
  [6, 0.9999999990134123],
];

const quantileReference: [number, number][] = [
  [1e-300, -37.0470962993612],
  [1e-12, -7.034483825301131],
  [1e-5, -4.264890793922825],
  [0.001, -3.090232306167813],
  [0.02, -2.053748910631823],
  [0.25, -0.6744897501960817],
  [0.5, 0],
  [0.6, 0.2533471031357997],
  [0.84, 0.994457883209753],
  [0.96, 1.7506860712521692],
  [0.975, 1.959963984540054],
  [0.999999, 4.753424308817087],
  [1 - 1e-12, 7.0344869100478356],
];

describe('normal distribution function and quantile', () => {
  it.each(cdfReference)('Φ(%f) matches scipy to 2e-14 relative (3e-13 beyond −20)', (x, expected) => {
    expect(Math.abs(normalCdf(x) - expected)).toBeLessThanOrEqual((x < -20 ? 3e-13 : 2e-14) * expected);
  });

  it.each(quantileReference)('Φ⁻¹(%f) matches scipy to 1e-14 relative', (p, expected) => {
    expect(Math.abs(normalQuantile(p) - expected)).toBeLessThanOrEqual(1e-14 * Math.max(1, Math.abs(expected)));
  });

  it('inverts Φ across the range: Φ(Φ⁻¹(p)) = p', () => {
    for (let k = 1; k < 200; k++) {
      const p = k / 200;
      expect(Math.abs(normalCdf(normalQuantile(p)) - p)).toBeLessThan(1e-14);
    }
  });

  it('rejects p outside (0, 1)', () => {
    for (const p of [0, 1, -0.1, 1.5, NaN]) expect(() => normalQuantile(p)).toThrow(ParameterError);
    expect(() => normalQuantile(1)).toThrow(/needs 0 < p < 1, got 1/);
  });
});
