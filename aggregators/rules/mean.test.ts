import { describe, expect, it } from 'vitest';
import { createAggregator } from '../registry.js';

describe('mean', () => {
  it('averages three rows a reader can check by hand', () => {
    const rule = createAggregator({ name: 'mean', f: 0 });
    const rows = [new Float64Array([1, 2]), new Float64Array([3, 4]), new Float64Array([5, 12])];
    const { output, diagnostics } = rule.aggregate(rows);
    expect(Array.from(output)).toEqual([3, 6]);
    expect(diagnostics.perWorker.weight).toEqual([1 / 3, 1 / 3, 1 / 3]);
  });
});
