import type { SeededRandom } from '../../aggregators/index.js';
import { defineGradientAttack, seedParam } from './attack.js';

/** A vector of d independent N(0, σ²) values. */
export function gaussianVector(d: number, sigma: number, random: SeededRandom): Float32Array {
  const out = new Float32Array(d);
  for (let j = 0; j < d; j++) out[j] = sigma * random.normal();
  return out;
}

/** A vector of d independent U[0, 1) values. */
export function uniformVector(d: number, random: SeededRandom): Float32Array {
  const out = new Float32Array(d);
  for (let j = 0; j < d; j++) out[j] = random.next();
  return out;
}

/** Pushes pure noise N(0, σ²) per coordinate; σ = 200 as in Xie, Koyejo and Gupta (2018). */
export const gaussianAttack = defineGradientAttack({
  kind: 'gradient',
  name: 'gaussian',
  summary: 'N(0, σ²) per coordinate, independent of the data (Xie, Koyejo and Gupta, 2018)',
  params: { sigma: { kind: 'number', default: 200, min: 0, description: 'standard deviation of each coordinate' }, seed: seedParam },
  minEstimates: () => 0,
  apply: ({ own }, { sigma }, random) => gaussianVector(own.length, sigma, random),
});

/** Pushes U[0, 1) per coordinate: the "random" gradients of the Flag Aggregator paper (Almasi et al., 2024). */
export const uniformAttack = defineGradientAttack({
  kind: 'gradient',
  name: 'uniform',
  summary: 'U[0, 1) per coordinate, the "random" attack of Almasi et al. (2024)',
  params: { seed: seedParam },
  minEstimates: () => 0,
  apply: ({ own }, _params, random) => uniformVector(own.length, random),
});
