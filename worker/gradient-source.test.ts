import { describe, expect, it } from 'vitest';
import { iid } from '../tasks/partition.js';
import { SyntheticTask } from '../tasks/synthetic.js';
import { alieGradient } from './attacks/alie.js';
import { createAttack } from './attacks/registry.js';
import { GradientSource } from './gradient-source.js';

const task = new SyntheticTask({ dimension: 40, seed: 3 });
const layout = { workers: 4, partition: iid, seed: 9 };
const theta = task.initialParameters();

/** Worker w's honest gradient for round r, computed here from the task alone. */
function honest(worker: number, round: number, batchSize: number): Float32Array {
  return task.lossAndGradient(theta, task.shard({ ...layout, worker }).batch(round, batchSize)).gradient;
}

describe('gradient source', () => {
  it('pushes its own shard’s gradient for the round when honest, with its loss', () => {
    const source = new GradientSource(task, { shard: { ...layout, worker: 2 }, batchSize: 5, estimateWorkers: [] });
    const step = source.step(theta, 7, undefined);
    expect(Array.from(step.gradient)).toEqual(Array.from(honest(2, 7, 5)));
    expect(step.loss).toBe(task.lossAndGradient(theta, task.shard({ ...layout, worker: 2 }).batch(7, 5)).loss);
  });

  it('applies a gradient attack to its own gradient', () => {
    const source = new GradientSource(task, { shard: { ...layout, worker: 1 }, batchSize: 5, estimateWorkers: [] });
    const flipped = source.step(theta, 4, createAttack({ name: 'sign-flip', params: { k: 2 } })).gradient;
    expect(Array.from(flipped)).toEqual(Array.from(honest(1, 4, 5), (value) => Math.fround(-2 * value)));
  });

  it('feeds a colluding attack the gradients its source workers push in the same round, so colluders agree', () => {
    const options = { batchSize: 5, estimateWorkers: [0, 1, 2] };
    const alie = createAttack({ name: 'alie', params: { z: 1.5 } });
    const first = new GradientSource(task, { ...options, shard: { ...layout, worker: 3 } }).step(theta, 11, alie).gradient;
    const second = new GradientSource(task, { ...options, shard: { ...layout, worker: 0 } }).step(theta, 11, alie).gradient;
    const expected = alieGradient([0, 1, 2].map((worker) => honest(worker, 11, 5)), 1.5);
    expect(Array.from(first)).toEqual(Array.from(expected));
    expect(Array.from(second)).toEqual(Array.from(first));
  });

  it('refuses attacks it cannot run: too few estimate sources, labels on a task without them', () => {
    const source = new GradientSource(task, { shard: { ...layout, worker: 0 }, batchSize: 5, estimateWorkers: [1] });
    expect(() => {
      source.check(createAttack({ name: 'alie', params: { z: 1 } }));
    }).toThrow(/alie needs 2 honest gradient estimates; this worker recomputes 1 \(--estimate-workers\)/);
    expect(() => {
      source.check(createAttack({ name: 'label-flip' }));
    }).toThrow(/label-flip rewrites labels; the synthetic task has none/);
    expect(() => {
      source.check(createAttack({ name: 'ipm' }));
    }).not.toThrow();
  });
});
