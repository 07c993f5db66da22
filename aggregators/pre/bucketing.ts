import type { GradientBatch } from '../batch.js';
import { definePreAggregator, type PreAggregation, type ShardedPreDecision, type StateSlot } from '../rule.js';
import { SeededRandom } from '../random.js';
import type { Gradient } from '../types.js';
import { mixRows } from './mix.js';

/** Which workers share a bucket: consecutive runs of `size` in a permutation; the last bucket may be smaller. */
export function bucketsOf(permutation: readonly number[], size: number): number[][] {
  const buckets: number[][] = [];
  for (let start = 0; start < permutation.length; start += size) buckets.push(permutation.slice(start, start + size));
  return buckets;
}

/** Draws this round's buckets of n rows from the generator in `state` (advancing it): the bucket-mean mixing, the next f and the map back to workers. */
function drawBuckets(n: number, f: number, size: number, seed: number, state: StateSlot): ShardedPreDecision {
  const stored = state.value?.rngState;
  const random = typeof stored === 'number' ? new SeededRandom(stored) : SeededRandom.fromSeed(seed);
  const buckets = bucketsOf(random.permutation(n), size);
  state.value = { rngState: random.state };
  const weights = new Float64Array(buckets.length * n);
  buckets.forEach((members, b) => {
    for (const worker of members) weights[b * n + worker] = 1 / members.length;
  });
  return {
    mixing: { m: buckets.length, weights },
    // No Gram passes on: the next stage computes it on ⌈n/s⌉ rows, cheaper than the n-row K, when it needs one.
    gram: undefined,
    // Each Byzantine worker spoils at most its own bucket.
    f: Math.min(f, buckets.length),
    toWorkers: (perBucket) => {
      const perWorker = new Array<number>(n).fill(0);
      buckets.forEach((members, b) => {
        for (const worker of members) perWorker[worker] = perBucket[b]!;
      });
      return perWorker;
    },
  };
}

function bucketingApply<G extends Gradient>(batch: GradientBatch<G>, f: number, size: number, seed: number, state: StateSlot): PreAggregation<G> {
  const drawn = drawBuckets(batch.n, f, size, seed, state);
  return { batch: mixRows(batch, drawn.mixing!.weights, drawn.mixing!.m), f: drawn.f, toWorkers: drawn.toWorkers };
}

/**
 * Bucketing (Karimireddy, He, Jaggi, 2022): shuffle the workers with a seeded generator, average them in
 * buckets of s, and hand the ⌈n/s⌉ bucket means to the rule with f unchanged (capped at the bucket count),
 * since f Byzantine workers reach at most f buckets. The generator's state is checkpointable.
 */
export const bucketingPreAggregator = definePreAggregator({
  name: 'bucketing',
  summary: 'average randomly shuffled gradients in buckets of s before the rule (Karimireddy, He, Jaggi, 2022)',
  params: {
    s: { kind: 'integer', min: 1, default: 2, description: 'bucket size' },
    seed: { kind: 'integer', min: 0, max: 0xffffffff, default: 0, description: 'seed of the shuffling generator' },
  },
  outputShape(n, f, params) {
    const buckets = Math.ceil(n / params.s);
    return { n: buckets, f: Math.min(f, buckets) };
  },
  apply(batch, f, params, state) {
    return bucketingApply(batch, f, params.s, params.seed, state);
  },
  // The generator lives with the coordinator, which draws the buckets; the shards only mix their slices.
  sharded: {
    gram: false,
    decide({ n, f }, params, state) {
      return drawBuckets(n, f, params.s, params.seed, state);
    },
  },
});
