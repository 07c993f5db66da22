import type { AggregationResult, Aggregator } from '../aggregators/index.js';

/**
 * Runs the rule on one round's gradients. The one place the server calls a rule, so moving the
 * work off the gRPC thread (worker_threads over shared memory) changes only this function.
 * Values were checked finite on ingest, so the rule skips its own scan.
 */
export function aggregateRound(aggregator: Aggregator, gradients: readonly Float32Array[]): Promise<AggregationResult<Float32Array>> {
  return Promise.resolve(aggregator.aggregate(gradients, { assumeFinite: true }));
}
