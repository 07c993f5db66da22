import { describe, expect, it } from 'vitest';
import { EpochSampler } from './batches.js';

describe('epoch sampler', () => {
  const shard = Uint32Array.from([10, 11, 12, 13, 14, 15, 16]);

  it('visits every shard member once per epoch, batches running across epoch boundaries', () => {
    const sampler = new EpochSampler(shard, 3, 0);
    // Batches of 3 over a shard of 7: steps 0..6 cover exactly three epochs of positions 0..20.
    const flow = Array.from({ length: 7 }, (_, step) => Array.from(sampler.indices(step, 3))).flat();
    for (let epoch = 0; epoch < 3; epoch++) {
      expect(flow.slice(7 * epoch, 7 * epoch + 7).sort((a, b) => a - b)).toEqual(Array.from(shard));
    }
    expect(flow.slice(0, 7)).not.toEqual(flow.slice(7, 14));
  });

  it('returns the same batch for the same step in any order of calls, and differs by worker', () => {
    const forward = new EpochSampler(shard, 3, 0);
    const steps = [0, 1, 2, 3, 4, 5, 6].map((step) => forward.indices(step, 3));
    const backward = new EpochSampler(shard, 3, 0);
    for (let step = 6; step >= 0; step--) expect(backward.indices(step, 3)).toEqual(steps[step]);
    const other = new EpochSampler(shard, 3, 1);
    expect([0, 1, 2].map((step) => Array.from(other.indices(step, 3)))).not.toEqual(steps.slice(0, 3).map((batch) => Array.from(batch)));
  });
});
