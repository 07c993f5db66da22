import { SeededRandom } from '../aggregators/index.js';
import { ParameterError } from '../runtime/errors.js';
import { symmetricDirichlet } from './distributions.js';
import { deriveSeed } from './seeds.js';

/** How the training examples are split across workers: IID (the default) or Dirichlet(α) label skew. */
export type PartitionScheme = { readonly kind: 'iid' } | { readonly kind: 'dirichlet'; readonly alpha: number };

export const iid: PartitionScheme = { kind: 'iid' };

/** How many redraws a Dirichlet split gets before concluding that some worker would stay without data. */
const MAX_DIRICHLET_ATTEMPTS = 100;

/**
 * IID partition: a seeded shuffle of 0..count−1 cut into `workers` contiguous shards whose sizes
 * differ by at most one, so the shards are disjoint and cover every example.
 */
export function iidPartition(count: number, workers: number, seed: number): Uint32Array[] {
  checkWorkers(workers, count);
  const order = SeededRandom.fromSeed(deriveSeed(seed, 0x11d)).permutation(count);
  const shards: Uint32Array[] = [];
  for (let w = 0; w < workers; w++) {
    shards.push(Uint32Array.from(order.slice(Math.floor((w * count) / workers), Math.floor(((w + 1) * count) / workers))));
  }
  return shards;
}

/**
 * Non-IID partition by label skew (Hsu, Qi and Brown, 2019), in its per-class form: for every class
 * c, proportions p_c ~ Dirichlet(α·1_workers) split c's shuffled examples across the workers. Small α
 * gives each worker few classes; large α approaches IID. Shards are disjoint and cover the data; a
 * split that leaves a worker empty is redrawn.
 */
export function dirichletPartition(labels: Uint8Array, classes: number, workers: number, alpha: number, seed: number): Uint32Array[] {
  checkWorkers(workers, labels.length);
  if (!(alpha > 0) || !Number.isFinite(alpha)) throw new ParameterError(`dirichlet partition needs a finite alpha > 0, got ${alpha}`);
  const byClass = examplesByClass(labels, classes);
  const random = SeededRandom.fromSeed(deriveSeed(seed, 0xd1c));
  for (let attempt = 0; attempt < MAX_DIRICHLET_ATTEMPTS; attempt++) {
    const shards: number[][] = Array.from({ length: workers }, () => []);
    for (const members of byClass) {
      const order = random.permutation(members.length);
      const shares = symmetricDirichlet(random, alpha, workers);
      let start = 0;
      let cumulative = 0;
      for (let w = 0; w < workers; w++) {
        cumulative += shares[w]!;
        const end = w === workers - 1 ? members.length : Math.round(cumulative * members.length);
        for (let k = start; k < end; k++) shards[w]!.push(members[order[k]!]!);
        start = Math.max(start, end);
      }
    }
    if (shards.every((shard) => shard.length > 0)) return shards.map((shard) => Uint32Array.from(shard));
  }
  throw new ParameterError(
    `dirichlet partition with alpha=${alpha} left a worker without examples in ${MAX_DIRICHLET_ATTEMPTS} draws (${workers} workers, ${labels.length} examples): use a larger alpha or fewer workers`,
  );
}

/** Splits a labelled data set by the scheme: the shard of every worker, in worker order. */
export function partitionLabelled(labels: Uint8Array, classes: number, workers: number, scheme: PartitionScheme, seed: number): Uint32Array[] {
  return scheme.kind === 'iid' ? iidPartition(labels.length, workers, seed) : dirichletPartition(labels, classes, workers, scheme.alpha, seed);
}

function examplesByClass(labels: Uint8Array, classes: number): number[][] {
  const byClass: number[][] = Array.from({ length: classes }, () => []);
  labels.forEach((label, index) => {
    const members = byClass[label];
    if (members === undefined) throw new ParameterError(`label ${label} of example ${index} is outside 0..${classes - 1}`);
    members.push(index);
  });
  return byClass;
}

function checkWorkers(workers: number, count: number): void {
  if (!Number.isInteger(workers) || workers < 1) throw new ParameterError(`the number of workers must be a positive integer, got ${workers}`);
  if (workers > count) throw new ParameterError(`cannot give ${workers} workers one example each out of ${count}`);
}
