import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../aggregators/index.js';
import type { FashionMnist } from '../../tasks/fashion-mnist-data.js';
import { FashionMnistTask } from '../../tasks/fashion-mnist.js';
import { iid } from '../../tasks/partition.js';
import { createAttack } from './registry.js';

/** A small in-memory data set in Fashion-MNIST's layout: 40 random training images with labels 0..9. */
function tinyData(): FashionMnist {
  const random = SeededRandom.fromSeed(6);
  const images = (count: number) => Uint8Array.from({ length: count * 784 }, () => Math.floor(random.next() * 256));
  const labels = (count: number) => Uint8Array.from({ length: count }, (_, k) => k % 10);
  return { train: { count: 40, images: images(40), labels: labels(40) }, test: { count: 10, images: images(10), labels: labels(10) } };
}

describe('label-flip through a task', () => {
  const task = new FashionMnistTask({ seed: 1, hidden: 8, data: tinyData() });
  const attack = createAttack({ name: 'label-flip' });
  if (attack.kind !== 'data') throw new Error('label-flip is a data attack');
  const layout = { worker: 1, workers: 2, partition: iid, seed: 4 };

  it('trains on 9 − y for the same examples an honest shard would draw', () => {
    const honest = task.shard(layout).batch(2, 8);
    const flipped = task.shard({ ...layout, labelMap: attack.labelMap(task.classes) }).batch(2, 8);
    expect(flipped.indices).toEqual(honest.indices);
    expect(Array.from(flipped.labels)).toEqual(Array.from(honest.labels, (y) => 9 - y));
  });

  it('yields the gradient of the flipped labels, which differs from the honest one', () => {
    const theta = task.initialParameters();
    const honest = task.shard(layout).batch(0, 8);
    const flipped = task.shard({ ...layout, labelMap: attack.labelMap(task.classes) }).batch(0, 8);
    const byHand = task.lossAndGradient(theta, { size: 8, indices: honest.indices, labels: Uint8Array.from(honest.labels, (y) => 9 - y) }).gradient;
    expect(task.lossAndGradient(theta, flipped).gradient).toEqual(byHand);
    expect(task.lossAndGradient(theta, honest).gradient).not.toEqual(byHand);
  });
});
