import type { GradientBatch } from '../batch.js';
import { InvalidParameterError } from '../errors.js';
import { mixedGram } from '../gram.js';
import { definePreAggregator, type PreAggregation } from '../rule.js';
import type { Gradient } from '../types.js';
import { mixRows, sameWorkers } from './mix.js';

/** min(1, τ/‖g_i‖) per row, from the diagonal of K; a zero row keeps factor 1. */
export function clipFactors(gram: Float64Array, n: number, tau: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => {
    const norm = Math.sqrt(gram[i * n + i]!);
    return norm > tau ? tau / norm : 1;
  });
}

/** The diagonal n×n scaling that clips the rows, or undefined when no row exceeds τ. */
function clipScaling(gram: Float64Array, n: number, tau: number): Float64Array | undefined {
  const factors = clipFactors(gram, n, tau);
  if (factors.every((factor) => factor === 1)) return undefined;
  const scaling = new Float64Array(n * n);
  factors.forEach((factor, i) => (scaling[i * n + i] = factor));
  return scaling;
}

function clipApply<G extends Gradient>(batch: GradientBatch<G>, f: number, tau: number): PreAggregation<G> {
  const n = batch.n;
  const gram = batch.gram();
  const scaling = clipScaling(gram, n, tau);
  if (scaling === undefined) return { batch, f, toWorkers: sameWorkers };
  return { batch: mixRows(batch, scaling, n, mixedGram(scaling, n, gram, n)), f, toWorkers: sameWorkers };
}

/**
 * Static norm clipping g_i ← g_i·min(1, τ/‖g_i‖): bounds what any single worker can contribute before
 * the rule. Norms come from the Gram matrix, which the next stage then receives as S K S.
 */
export const clipPreAggregator = definePreAggregator({
  name: 'clip',
  summary: 'static norm clipping: scale every gradient of norm above tau down to norm tau',
  params: {
    tau: { kind: 'number', min: 0, exclusiveMin: true, description: 'norm bound (required; in gradient-norm units)' },
  },
  checkParams(params) {
    if (params.tau === undefined) throw new InvalidParameterError('clip needs parameter tau (the norm bound), e.g. tau=1');
  },
  apply(batch, f, params) {
    return clipApply(batch, f, params.tau!);
  },
  sharded: {
    gram: true,
    decide({ n, f, gram }, params) {
      const scaling = clipScaling(gram!, n, params.tau!);
      if (scaling === undefined) return { mixing: undefined, gram, f, toWorkers: sameWorkers };
      return { mixing: { m: n, weights: scaling }, gram: mixedGram(scaling, n, gram!, n), f, toWorkers: sameWorkers };
    },
  },
});
