import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../aggregators/index.js';
import { ParameterError } from '../runtime/errors.js';
import { dirichletPartition, iidPartition, partitionLabelled } from './partition.js';

/** Throws unless the shards are pairwise disjoint and together hold exactly 0..count−1. */
function expectDisjointCover(shards: readonly Uint32Array[], count: number): void {
  const seen = new Uint8Array(count);
  for (const shard of shards) for (const index of shard) seen[index]! += 1;
  expect(seen.every((times) => times === 1)).toBe(true);
  expect(shards.reduce((total, shard) => total + shard.length, 0)).toBe(count);
}

/** Shannon entropy (nats) of a shard's label distribution. */
function labelEntropy(shard: Uint32Array, labels: Uint8Array, classes: number): number {
  const counts = new Float64Array(classes);
  for (const index of shard) counts[labels[index]!]! += 1;
  return -Array.from(counts).reduce((sum, c) => (c === 0 ? sum : sum + (c / shard.length) * Math.log(c / shard.length)), 0);
}

function balancedLabels(count: number, classes: number, seed: number): Uint8Array {
  const random = SeededRandom.fromSeed(seed);
  return Uint8Array.from({ length: count }, () => Math.floor(random.next() * classes));
}

describe('iid partition', () => {
  it('splits 10 examples over 3 workers into disjoint shards of sizes 3, 3, 4', () => {
    const shards = iidPartition(10, 3, 1);
    expect(shards.map((shard) => shard.length)).toEqual([3, 3, 4]);
    expectDisjointCover(shards, 10);
  });

  it('covers the data with shard sizes differing by at most one, the same for the same seed', () => {
    const shards = iidPartition(1003, 7, 2);
    expectDisjointCover(shards, 1003);
    const sizes = shards.map((shard) => shard.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    expect(iidPartition(1003, 7, 2)).toEqual(shards);
    expect(iidPartition(1003, 7, 3)).not.toEqual(shards);
  });

  it('rejects zero workers and more workers than examples', () => {
    expect(() => iidPartition(10, 0, 1)).toThrow(ParameterError);
    expect(() => iidPartition(3, 4, 1)).toThrow(/cannot give 4 workers one example each out of 3/);
  });
});

describe('dirichlet partition', () => {
  const labels = balancedLabels(6000, 10, 7);

  it('covers the data with disjoint, non-empty shards, the same for the same seed', () => {
    const shards = dirichletPartition(labels, 10, 8, 0.3, 11);
    expectDisjointCover(shards, labels.length);
    expect(shards.every((shard) => shard.length > 0)).toBe(true);
    expect(dirichletPartition(labels, 10, 8, 0.3, 11)).toEqual(shards);
    expect(partitionLabelled(labels, 10, 8, { kind: 'dirichlet', alpha: 0.3 }, 11)).toEqual(shards);
  });

  it('skews labels more as α shrinks: mean shard label entropy is far lower at α=0.1 than at α=100', () => {
    const meanEntropy = (alpha: number) => {
      const shards = dirichletPartition(labels, 10, 10, alpha, 3);
      return shards.reduce((sum, shard) => sum + labelEntropy(shard, labels, 10), 0) / shards.length;
    };
    const skewed = meanEntropy(0.1);
    const nearIid = meanEntropy(100);
    // log 10 ≈ 2.303 is the entropy of a perfectly balanced shard.
    expect(nearIid).toBeGreaterThan(2.25);
    expect(skewed).toBeLessThan(1.5);
  });

  it('fails with advice when every draw leaves a worker empty, and rejects α ≤ 0 and bad labels', () => {
    expect(() => dirichletPartition(new Uint8Array(5), 10, 5, 0.01, 1)).toThrow(/left a worker without examples .* use a larger alpha or fewer workers/);
    expect(() => dirichletPartition(labels, 10, 4, 0, 1)).toThrow(/finite alpha > 0, got 0/);
    expect(() => dirichletPartition(Uint8Array.from([0, 12]), 10, 1, 1, 1)).toThrow(/label 12 of example 1 is outside 0\.\.9/);
  });
});
