import type { GradientBatch } from '../batch.js';
import { defineRule, type ShardedDecision } from '../rule.js';
import type { AggregationResult, Diagnostics, Gradient } from '../types.js';
import { honestMajority } from './requirements.js';

/**
 * Per coordinate, drops the `trim` smallest and largest values and averages the rest; reports for
 * each worker the share of coordinates where its value lay within the kept range (`keptShare`).
 */
export function coordinateTrimmedMean<G extends Gradient>(batch: GradientBatch<G>, trim: number): AggregationResult<G> {
  const output = batch.newOutput();
  const keptCounts = new Float64Array(batch.n);
  batch.kernels.trimmedMean(batch.rows, trim, output, keptCounts);
  return { output, diagnostics: trimmedMeanDiagnostics(keptCounts, batch.d, trim) };
}

function trimmedMeanDiagnostics(keptCounts: Float64Array, d: number, trim: number): Diagnostics {
  return { perWorker: { keptShare: Array.from(keptCounts, (count) => count / d) }, summary: { trim } };
}

/** The coordinate-wise trimmed mean across shards: each shard trims its own coordinates; only the kept counts are summed. */
export function shardedTrimmedMean(d: number, trim: number): ShardedDecision {
  return {
    apply: { kind: 'trimmed-mean', trim },
    diagnostics: (keptCounts) => trimmedMeanDiagnostics(keptCounts!, d, trim),
  };
}

/** Coordinate-wise trimmed mean (Yin, Chen, Ramchandran, Bartlett, 2018): drop the f largest and f smallest values, average the other n−2f. */
export const trimmedMeanRule = defineRule({
  name: 'trimmed-mean',
  influence: 'keptShare',
  summary: 'coordinate-wise trimmed mean: drop the f largest and f smallest values, average the rest (Yin et al., 2018)',
  params: {},
  requirement: honestMajority,
  aggregate(batch, f) {
    return coordinateTrimmedMean(batch, f);
  },
  sharded: { gram: false, keepsOutput: false, decide: ({ d, f }) => shardedTrimmedMean(d, f) },
});
