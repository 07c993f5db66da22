import type { GradientBatch } from '../batch.js';
import { TooFewInputsError } from '../errors.js';
import { mixedGram, squaredDistances } from '../gram.js';
import { definePreAggregator, type PreAggregation } from '../rule.js';
import type { Gradient } from '../types.js';
import { mixRows, sameWorkers } from './mix.js';

/**
 * The n×n mixing matrix of NNM from K: row i puts weight 1/(n−f) on g_i itself and on its n−f−1 nearest
 * other rows (ties → lower index).
 */
export function nearestNeighbourMixing(gram: Float64Array, n: number, f: number): Float64Array {
  const distances = squaredDistances(gram, n);
  const keep = n - f;
  const weights = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const others = Array.from({ length: n }, (_, j) => j).filter((j) => j !== i);
    others.sort((a, b) => distances[i * n + a]! - distances[i * n + b]! || a - b);
    for (const j of [i, ...others.slice(0, keep - 1)]) weights[i * n + j] = 1 / keep;
  }
  return weights;
}

function nnmApply<G extends Gradient>(batch: GradientBatch<G>, f: number): PreAggregation<G> {
  if (batch.n <= f) throw new TooFewInputsError('nnm', 'n > f', batch.n, f);
  const gram = batch.gram();
  const weights = nearestNeighbourMixing(gram, batch.n, f);
  return { batch: mixRows(batch, weights, batch.n, mixedGram(weights, batch.n, gram, batch.n)), f, toWorkers: sameWorkers };
}

/**
 * Nearest-neighbour mixing (Allouah, Farhadkhani, Guerraoui, Gupta, Pinot, Stephan, 2023): each gradient is
 * replaced by the mean of its n−f nearest neighbours, itself included. The next stage keeps the same f
 * and receives the mixed Gram matrix W K Wᵀ.
 */
export const nnmPreAggregator = definePreAggregator({
  name: 'nnm',
  summary: 'replace each gradient by the mean of its n−f nearest neighbours, itself included (Allouah et al., 2023)',
  params: {},
  apply(batch, f) {
    return nnmApply(batch, f);
  },
  sharded: {
    gram: true,
    decide({ n, f, gram }) {
      if (n <= f) throw new TooFewInputsError('nnm', 'n > f', n, f);
      const weights = nearestNeighbourMixing(gram!, n, f);
      return { mixing: { m: n, weights }, gram: mixedGram(weights, n, gram!, n), f, toWorkers: sameWorkers };
    },
  },
});
