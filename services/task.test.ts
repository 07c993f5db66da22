import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.js';
import { createTask } from './task.js';

describe('synthetic task', () => {
  it('draws θ₀ from the seed: values reproduced by an independent mulberry32 in numpy', () => {
    const theta = createTask({ task: 'synthetic', dimension: 4, seed: 42 }).initialParameters();
    // (2u − 1)/√d for the first four draws of mulberry32(42), computed outside this code base.
    expect(Array.from(theta)).toEqual([0.1011037528514862, -0.05170943960547447, 0.35246580839157104, 0.16973404586315155]);
  });

  it('gives the same θ₀ for the same seed, another for another seed, inside [−1/√d, 1/√d)', () => {
    const make = (seed: number) => createTask({ task: 'synthetic', dimension: 10_000, seed }).initialParameters();
    const theta = make(7);
    expect(make(7)).toEqual(theta);
    expect(make(8)).not.toEqual(theta);
    expect(Math.max(...theta)).toBeLessThan(0.01);
    expect(Math.min(...theta)).toBeGreaterThanOrEqual(-0.01);
  });

  it('names the known tasks when asked for an unknown one', () => {
    expect(() => createTask({ task: 'imagenet', dimension: 1, seed: 0 })).toThrow(ConfigError);
    expect(() => createTask({ task: 'imagenet', dimension: 1, seed: 0 })).toThrow(/unknown task "imagenet"; known: synthetic/);
  });
});
