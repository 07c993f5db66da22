import { defineRule } from '../rule.js';
import { honestMajority } from './requirements.js';
import { coordinateTrimmedMean, shardedTrimmedMean } from './trimmed-mean.js';

/**
 * Coordinate-wise median (Yin, Chen, Ramchandran, Bartlett, 2018): the trimmed mean that keeps only the
 * middle value, or the mean of the two middle values when n is even.
 */
export const medianRule = defineRule({
  name: 'median',
  influence: 'keptShare',
  summary: 'coordinate-wise median; even n → mean of the two middle values (Yin et al., 2018)',
  params: {},
  requirement: honestMajority,
  aggregate(batch) {
    return coordinateTrimmedMean(batch, Math.floor((batch.n - 1) / 2));
  },
  sharded: { gram: false, keepsOutput: false, decide: ({ n, d }) => shardedTrimmedMean(d, Math.floor((n - 1) / 2)) },
});
