import { ParameterError } from '../../runtime/errors.js';
import { defineGradientAttack } from './attack.js';
import { normalQuantile } from './normal-quantile.js';
import { coordinateMean, coordinateStd } from './statistics.js';

/**
 * Baruch, Baruch and Goldberg's (2019) z_max for n workers of which f are Byzantine:
 * s = ⌊n/2 + 1⌋ − f honest workers must be won over, and z = Φ⁻¹((n − s)/n).
 */
export function alieZ(n: number, f: number): number {
  const s = Math.floor(n / 2 + 1) - f;
  if (s < 1 || s >= n) {
    throw new ParameterError(`alie needs 1 ≤ s < n for s = ⌊n/2 + 1⌋ − f: got s=${s} for n=${n}, f=${f} (f must be below ⌊n/2 + 1⌋); or give z directly`);
  }
  return normalQuantile((n - s) / n);
}

/** μ − z·σ per coordinate, from the mean and sample standard deviation of the honest estimates. */
export function alieGradient(estimates: readonly Float32Array[], z: number): Float32Array {
  const mean = coordinateMean(estimates);
  const std = coordinateStd(estimates, mean);
  return Float32Array.from(mean, (mu, j) => mu - z * std[j]!);
}

/** "A little is enough" (Baruch, Baruch and Goldberg, 2019): stay within z standard deviations of the honest mean, so robust rules keep the attack. */
export const alieAttack = defineGradientAttack({
  kind: 'gradient',
  name: 'alie',
  summary: 'μ − z·σ per coordinate with z = Φ⁻¹((n − s)/n), s = ⌊n/2 + 1⌋ − f (Baruch, Baruch and Goldberg, 2019)',
  params: {
    n: { kind: 'integer', min: 1, description: 'number of workers, for z (needed unless z is given)' },
    f: { kind: 'integer', min: 0, description: 'number of Byzantine workers, for z (needed unless z is given)' },
    z: { kind: 'number', description: 'deviation in standard deviations; overrides the value from n and f' },
  },
  minEstimates: () => 2,
  checkParams({ n, f, z }) {
    if (z !== undefined) return;
    if (n === undefined || f === undefined) throw new ParameterError('alie needs the parameters n and f (to compute z), or z itself');
    alieZ(n, f);
  },
  apply: ({ honestEstimates }, { n, f, z }) => alieGradient(honestEstimates, z ?? alieZ(n!, f!)),
});
