import { describe, expect, it } from 'vitest';
import { InvalidParameterError, TooFewInputsError, UnknownRuleError } from './errors.js';
import { simdKernels } from './kernels/default.js';
import { gradientMemory } from './kernels/gradient-memory.js';
import type { Kernels } from './kernels/kernels.js';
import { plainKernels } from './kernels/plain.js';
import { createAggregator, listRules } from './registry.js';
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
    expect(() => createAggregator({ name: 'median', f: 1, params: { trim: 2 } })).toThrow('median has no parameter "trim"; it takes no parameters');
    expect(() => createAggregator({ name: 'median', f: -1 })).toThrow(InvalidParameterError);
    expect(() => createAggregator({ name: 'median', f: 1, pre: [{ name: 'nmm' }] })).toThrow(/unknown pre-aggregator "nmm"; known: nnm, bucketing, clip/);
  });

  it('runs the SIMD kernels on ordinary Float32Array rows and on the rows pre-aggregators make, copied into the gradient memory for the call', () => {
    const simd = simdKernels!;
    const seen: (number | undefined)[] = [];
    const spying: Kernels = {
      ...simd,
      trimmedMean(rows, trim, out, keptCounts) {
        seen.push(gradientMemory().offsetOf(rows[0]!));
        simd.trimmedMean(rows, trim, out, keptCounts);
      },
    };
    const rows = gaussianRows(2, 9, 1000).map((row) => Float32Array.from(row));
    for (const pre of [[], [{ name: 'nnm' }, { name: 'bucketing', params: { s: 2 } }]]) {
      seen.length = 0;
      const before = gradientMemory().allocatedBytes;
      const { output } = createAggregator({ name: 'median', f: 1, pre }, { kernels: spying }).aggregate(rows);
      expect(seen).toHaveLength(1);
      expect(seen[0]).toBeDefined();
      expect(gradientMemory().allocatedBytes).toBe(before);
      expect(output).toEqual(createAggregator({ name: 'median', f: 1, pre }, { kernels: plainKernels }).aggregate(rows).output);
    }
  });

  const rulesAndTypes = listRules().flatMap((rule) => [Float32Array, Float64Array].map((type) => [rule.name, type] as const));
  it.each(rulesAndTypes)('%s gives the same bits on ordinary %o rows by default as with the plain kernels', (name, type) => {
    const rows = gaussianRows(3, 15, 1001).map((row, i) => new type(row.length).map((_, j) => (i < 3 ? -4 * row[j]! : row[j]! + 1)));
    const spec = { name, f: 3 };
    const fast = createAggregator(spec).aggregate(rows);
    const plain = createAggregator(spec, { kernels: plainKernels }).aggregate(rows);
    expect(fast.output).toEqual(plain.output);
    expect(fast.diagnostics).toEqual(plain.diagnostics);
  });
});
