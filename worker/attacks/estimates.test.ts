import { describe, expect, it } from 'vitest';
import { iid } from '../../tasks/partition.js';
import { SyntheticTask } from '../../tasks/synthetic.js';
import { HonestGradientEstimator } from './estimates.js';

describe('honest gradient estimates', () => {
  const task = new SyntheticTask({ dimension: 300, seed: 2 });
  const layout = { workers: 5, partition: iid, seed: 12 };
  const theta = task.initialParameters();

  it('recomputes exactly the gradients the source workers push for the same step', () => {
    const estimator = new HonestGradientEstimator(task, { workers: [1, 3], shard: layout, batchSize: 16 });
    const [first, second] = estimator.estimate(theta, 7);
    const honest = (worker: number) => task.lossAndGradient(theta, task.shard({ ...layout, worker }).batch(7, 16)).gradient;
    expect(first).toEqual(honest(1));
    expect(second).toEqual(honest(3));
    expect(first).not.toEqual(second);
  });

  it('gives two colluders with the same sources the same estimates, in separate instances', () => {
    const sources = { workers: [0, 2, 4], shard: layout, batchSize: 8 };
    const a = new HonestGradientEstimator(task, sources).estimate(theta, 3);
    const b = new HonestGradientEstimator(task, sources).estimate(theta, 3);
    expect(a).toEqual(b);
    expect(a).toHaveLength(3);
  });
});
