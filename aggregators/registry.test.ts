import { describe, expect, it } from 'vitest';
import { InvalidParameterError, TooFewInputsError, UnknownRuleError } from './errors.js';
import { createAggregator } from './registry.js';
import { gaussianRows } from './testing.js';

describe('registry', () => {
  it('reports the fewest inputs a rule accepts for its f', () => {
    expect(createAggregator({ name: 'median', f: 2 }).minInputs()).toBe(5);
    expect(createAggregator({ name: 'krum', f: 2 }).minInputs()).toBe(7);
    expect(createAggregator({ name: 'bulyan', f: 2 }).minInputs()).toBe(11);
  });

  it('counts the rows bucketing takes away: median with f=2 after buckets of 2 needs ⌈n/2⌉ ≥ 5, so n ≥ 9', () => {
    const rule = createAggregator({ name: 'median', f: 2, pre: [{ name: 'bucketing', params: { s: 2 } }] });
    expect(rule.minInputs()).toBe(9);
    expect(() => rule.aggregate(gaussianRows(1, 8, 3))).toThrow(TooFewInputsError);
    expect(rule.aggregate(gaussianRows(1, 9, 3)).output).toHaveLength(3);
  });

  it('rejects an unknown rule, an unknown parameter and a negative f with actionable messages', () => {
    expect(() => createAggregator({ name: 'averag', f: 0 })).toThrow(UnknownRuleError);
    expect(() => createAggregator({ name: 'averag', f: 0 })).toThrow(/known: .*mean.*median/);
    expect(() => createAggregator({ name: 'median', f: 1, params: { trim: 2 } })).toThrow(/median has no parameter "trim"/);
    expect(() => createAggregator({ name: 'median', f: -1 })).toThrow(InvalidParameterError);
    expect(() => createAggregator({ name: 'median', f: 1, pre: [{ name: 'nmm' }] })).toThrow(/unknown pre-aggregator "nmm"; known: nnm, bucketing, clip/);
  });
});
