import { defineRule } from '../rule.js';
import { averageSelection, selectMultiKrum, shardedSelection, type KrumSelection } from './multi-krum.js';
import { krumRequirement } from './requirements.js';

/** Krum's decision from K: Multi-Krum with one row, the one with the lowest score (ties → lower index). */
export function selectKrum(gram: Float64Array, n: number, f: number): KrumSelection {
  return selectMultiKrum(gram, n, f, 1);
}

/** Krum (Blanchard et al., 2017): the gradient whose n−f−2 nearest neighbours are closest in squared distance. */
export const krumRule = defineRule({
  name: 'krum',
  influence: 'selected',
  summary: 'the gradient with the lowest sum of squared distances to its n−f−2 nearest neighbours (Blanchard et al., 2017)',
  params: {},
  requirement: krumRequirement,
  aggregate(batch, f) {
    return averageSelection(batch, selectKrum(batch.gram(), batch.n, f));
  },
  sharded: { gram: true, keepsOutput: false, decide: ({ n, f, gram }) => shardedSelection(n, selectKrum(gram!, n, f)) },
});
