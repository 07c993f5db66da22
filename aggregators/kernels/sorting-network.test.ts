import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../random.js';
import { batcherSortingNetwork, orderStatisticNetwork, type CompareOp } from './sorting-network.js';

function runNetwork(ops: readonly CompareOp[], input: readonly number[]): number[] {
  const wires = input.slice();
  for (const { low, high, keepMin, keepMax } of ops) {
    const [a, b] = [wires[low]!, wires[high]!];
    if (keepMin) wires[low] = Math.min(a, b);
    if (keepMax) wires[high] = Math.max(a, b);
  }
  return wires;
}

const fullSort = (n: number): CompareOp[] => batcherSortingNetwork(n).map(([low, high]) => ({ low, high, keepMin: true, keepMax: true }));

describe('sorting networks', () => {
  it('sorts four values a reader can follow', () => {
    expect(runNetwork(fullSort(4), [3, 1, 4, 2])).toEqual([1, 2, 3, 4]);
  });

  it('sorts every 0/1 input for n ≤ 16, which by the 0-1 principle proves it sorts everything', () => {
    for (let n = 1; n <= 16; n++) {
      const ops = fullSort(n);
      for (let bits = 0; bits < 1 << n; bits++) {
        const input = Array.from({ length: n }, (_, i) => (bits >> i) & 1);
        const ones = input.reduce((sum, bit) => sum + bit, 0);
        const sorted = runNetwork(ops, input);
        if (sorted.some((bit, i) => bit !== (i >= n - ones ? 1 : 0))) throw new Error(`n=${n} fails on ${input.join('')}`);
      }
    }
  });

  it('keeps only the comparators needed for the requested sorted positions, and those are exact', () => {
    const random = SeededRandom.fromSeed(7);
    for (let n = 1; n <= 40; n++) {
      for (let trim = 0; 2 * trim < n; trim++) {
        const ops = orderStatisticNetwork(n, trim, n - 1 - trim);
        expect(ops.length).toBeLessThanOrEqual(batcherSortingNetwork(n).length);
        for (let trial = 0; trial < 20; trial++) {
          const input = Array.from({ length: n }, () => Math.floor(random.next() * 5));
          const expected = input.slice().sort((a, b) => a - b);
          const wires = runNetwork(ops, input);
          for (let k = trim; k <= n - 1 - trim; k++) expect(wires[k]).toBe(expected[k]);
        }
      }
    }
  });

  it('computes a median of 15 with fewer comparators than a full sort', () => {
    const medianOps = orderStatisticNetwork(15, 7, 7);
    expect(medianOps.length).toBeLessThan(batcherSortingNetwork(15).length);
    expect(medianOps.some((op) => op.keepMin !== op.keepMax)).toBe(true);
  });
});
