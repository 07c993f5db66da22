import { describe, expect, it } from 'vitest';
import { InfluenceTally } from './influence.js';

describe('InfluenceTally', () => {
  it('averages each group’s share of the rule’s influence diagnostic over rounds, by |value| over the round’s total', () => {
    const tally = new InfluenceTally('clipFactor');
    // Round 1: shares 0.1, 0.3, 0.6; round 2: 0.25 each (byzantine-2 absent), and another diagnostic is ignored.
    tally.add({ workerNames: ['honest-0', 'honest-1', 'byzantine-2'], diagnostics: { perWorker: { clipFactor: [0.1, -0.3, 0.6], weight: [9, 9, 9] } } });
    tally.add({ workerNames: ['honest-0', 'honest-1'], diagnostics: { perWorker: { clipFactor: [1, 1] } } });
    const { influence } = tally.shares();
    expect(influence?.quantity).toBe('clipFactor');
    expect(influence?.honest).toBeCloseTo((0.1 + 0.3 + 0.5 + 0.5) / 4, 12);
    expect(influence?.byzantine).toBeCloseTo(0.6, 12);
  });

  it('reports nothing when no round carried the diagnostic, and no Byzantine share without Byzantine workers', () => {
    const tally = new InfluenceTally('coefficient');
    tally.add({ workerNames: ['honest-0'], diagnostics: { perWorker: { keptShare: [1] } } });
    expect(tally.shares()).toEqual({});
    tally.add({ workerNames: ['honest-0', 'honest-1'], diagnostics: { perWorker: { coefficient: [2, 2] } } });
    expect(tally.shares()).toEqual({ influence: { quantity: 'coefficient', honest: 0.5 } });
  });
});
