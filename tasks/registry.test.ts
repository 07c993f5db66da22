import { describe, expect, it } from 'vitest';
import { ParameterError, UnknownNameError } from '../runtime/errors.js';
import { DatasetError } from './errors.js';
import { FashionMnistTask } from './fashion-mnist.js';
import { createTask, taskNames } from './registry.js';
import { SyntheticTask } from './synthetic.js';

describe('task registry', () => {
  it('builds both tasks by name with their settings', () => {
    expect(taskNames).toEqual(['synthetic', 'fashion-mnist']);
    const synthetic = createTask({ task: 'synthetic', seed: 1, dimension: 1000, noise: 0.5 });
    expect(synthetic).toBeInstanceOf(SyntheticTask);
    expect(synthetic.dimension).toBe(1000);
    const fashion = createTask({ task: 'fashion-mnist', seed: 1, hidden: 32, dimension: 795 * 32 + 10 });
    expect(fashion).toBeInstanceOf(FashionMnistTask);
    expect(fashion.classes).toBe(10);
  });

  it('lists the known tasks for an unknown name and rejects settings a task does not take', () => {
    expect(() => createTask({ task: 'imagenet', seed: 0 })).toThrow(UnknownNameError);
    expect(() => createTask({ task: 'imagenet', seed: 0 })).toThrow(/unknown task "imagenet"; known: synthetic, fashion-mnist/);
    expect(() => createTask({ task: 'synthetic', seed: 0 })).toThrow(/needs a dimension/);
    expect(() => createTask({ task: 'synthetic', seed: 0, dimension: 10, hidden: 4 })).toThrow(/does not take "hidden"/);
    expect(() => createTask({ task: 'fashion-mnist', seed: 0, dimension: 1000 })).toThrow(ParameterError);
    expect(() => createTask({ task: 'fashion-mnist', seed: 0, dimension: 1000 })).toThrow(/has d=50890, not 1000/);
  });

  it('reports a missing data directory with install advice', () => {
    expect(() => createTask({ task: 'fashion-mnist', seed: 0, dataDir: '/nonexistent/fmnist' })).toThrow(DatasetError);
    expect(() => createTask({ task: 'fashion-mnist', seed: 0, dataDir: '/nonexistent/fmnist' })).toThrow(/not found in \/nonexistent\/fmnist: install it with `apt-get install dataset-fashion-mnist`/);
  });
});
