import { defineGradientAttack } from './attack.js';
import { coordinateMean } from './statistics.js';

/** −ε·μ, with μ the mean of the honest estimates. */
export function ipmGradient(estimates: readonly Float32Array[], epsilon: number): Float32Array {
  return Float32Array.from(coordinateMean(estimates), (mu) => -epsilon * mu);
}

/** Inner-product manipulation (Xie, Koyejo and Gupta, 2020): push −ε·μ so the aggregate's inner product with the true gradient turns negative. */
export const ipmAttack = defineGradientAttack({
  kind: 'gradient',
  name: 'ipm',
  summary: '−ε·μ, the honest mean reversed and shrunk (Xie, Koyejo and Gupta, 2020)',
  params: { epsilon: { kind: 'number', default: 0.1, min: 0, exclusiveMin: true, description: 'ε, the size of the reversed mean' } },
  minEstimates: () => 1,
  apply: ({ honestEstimates }, { epsilon }) => ipmGradient(honestEstimates, epsilon),
});
