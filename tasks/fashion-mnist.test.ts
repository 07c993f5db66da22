import { describe, expect, it } from 'vitest';
import { loadFashionMnist } from './fashion-mnist-data.js';
import { FashionMnistTask } from './fashion-mnist.js';
import { iid } from './partition.js';

// The installed data set (Debian package dataset-fashion-mnist), loaded once for every test here.
const data = loadFashionMnist();

describe('fashion-mnist task', () => {
  it('has d = 795·hidden + 10 and a seeded θ₀', () => {
    const task = new FashionMnistTask({ seed: 1, data });
    expect(task.dimension).toBe(50_890);
    expect(new FashionMnistTask({ seed: 1, hidden: 128, data }).dimension).toBe(101_770);
    expect(task.initialParameters()).toEqual(new FashionMnistTask({ seed: 1, data }).initialParameters());
    expect(task.initialParameters()).not.toEqual(new FashionMnistTask({ seed: 2, data }).initialParameters());
  });

  it('draws each batch from the worker shard, the same for the same step, visiting the whole shard each epoch', () => {
    const task = new FashionMnistTask({ seed: 1, data });
    const shard = task.shard({ worker: 2, workers: 6, partition: iid, seed: 4 });
    expect(shard.indices.length).toBe(10_000);
    const members = new Set(shard.indices);
    const seen = new Set<number>();
    for (let step = 0; step < 10_000 / 50; step++) {
      const batch = shard.batch(step, 50);
      batch.indices.forEach((index, k) => {
        expect(members.has(index)).toBe(true);
        expect(batch.labels[k]).toBe(data.train.labels[index]);
        seen.add(index);
      });
    }
    expect(seen.size).toBe(10_000);
    const again = task.shard({ worker: 2, workers: 6, partition: iid, seed: 4 });
    expect(again.batch(7, 32)).toEqual(shard.batch(7, 32));
    expect(shard.batch(8, 32)).not.toEqual(shard.batch(7, 32));
  });

  it('splits the training set by Dirichlet label skew when asked: disjoint shards covering all 60 000 images', () => {
    const task = new FashionMnistTask({ seed: 1, data });
    const partition = { kind: 'dirichlet', alpha: 0.1 } as const;
    const shards = Array.from({ length: 5 }, (_, worker) => task.shard({ worker, workers: 5, partition, seed: 2 }).indices);
    const seen = new Uint8Array(60_000);
    for (const shard of shards) for (const index of shard) seen[index]! += 1;
    expect(seen.every((times) => times === 1)).toBe(true);
    // Classes holding at least 5 % of a shard: all 10 under IID (each holds about 10 %), few at α = 0.1.
    const dominantClasses = (shard: Uint32Array) => {
      const counts = new Array<number>(10).fill(0);
      for (const index of shard) counts[data.train.labels[index]!]!++;
      return counts.filter((count) => count >= 0.05 * shard.length).length;
    };
    expect(Math.max(...shards.map(dominantClasses))).toBeLessThan(10);
    expect(dominantClasses(task.shard({ worker: 0, workers: 5, partition: iid, seed: 2 }).indices)).toBe(10);
  });

  it('rewrites batch labels through a label map, as a data-side attack does', () => {
    const task = new FashionMnistTask({ seed: 1, data });
    const flip = Uint8Array.from({ length: 10 }, (_, y) => 9 - y);
    const batch = task.shard({ worker: 0, workers: 3, partition: iid, seed: 1, labelMap: flip }).batch(0, 64);
    batch.indices.forEach((index, k) => { expect(batch.labels[k]).toBe(9 - data.train.labels[index]!); });
    expect(() => task.shard({ worker: 0, workers: 3, partition: iid, seed: 1, labelMap: new Uint8Array(9) })).toThrow(/one label in 0\.\.9 for each of the 10 classes/);
    expect(() => task.shard({ worker: 3, workers: 3, partition: iid, seed: 1 })).toThrow(/worker index must be an integer in 0\.\.2, got 3/);
  });

  it('reaches well above chance test accuracy after 400 plain SGD steps', () => {
    const task = new FashionMnistTask({ seed: 3, data });
    const theta = task.initialParameters();
    const before = task.evaluate(theta);
    const shard = task.shard({ worker: 0, workers: 1, partition: iid, seed: 3 });
    const gradient = new Float32Array(task.dimension);
    const started = performance.now();
    for (let step = 0; step < 400; step++) {
      task.lossAndGradient(theta, shard.batch(step, 64), gradient);
      for (let k = 0; k < theta.length; k++) theta[k]! -= 0.2 * gradient[k]!;
    }
    const perStepMs = (performance.now() - started) / 400;
    const after = task.evaluate(theta);
    console.log(`fashion-mnist: test accuracy ${(100 * before.accuracy!).toFixed(1)}% → ${(100 * after.accuracy!).toFixed(1)}%, loss ${before.loss.toFixed(3)} → ${after.loss.toFixed(3)}, ${perStepMs.toFixed(2)} ms per step of 64`);
    expect(after.accuracy).toBeGreaterThanOrEqual(0.7);
    expect(after.loss).toBeLessThan(before.loss);
  });
});
