import { describe, expect, it } from 'vitest';
import { attackedExample, cosine } from './example.js';

describe('attackedExample', () => {
  it('is 15 rows of length 8 with the last 3 Byzantine, identical on every call', () => {
    const example = attackedExample();
    expect(example.rows).toHaveLength(15);
    expect(example.rows.every((row) => row.length === 8)).toBe(true);
    expect(example.byzantine).toEqual([12, 13, 14]);
    expect(attackedExample().rows).toEqual(example.rows);
  });

  it('has honest rows close to each other and Byzantine rows pointing the other way, larger', () => {
    const { rows, honestMean } = attackedExample();
    const norm = (row: Float64Array): number => Math.hypot(...row);
    for (const row of rows.slice(0, 12)) expect(cosine(row, honestMean)).toBeGreaterThan(0.8);
    for (const row of rows.slice(12)) {
      expect(cosine(row, honestMean)).toBeLessThan(-0.8);
      expect(norm(row)).toBeGreaterThan(5 * norm(honestMean));
    }
  });

  it('reports the mean of the honest rows, computed here coordinate by coordinate', () => {
    const { rows, honestMean } = attackedExample();
    for (let j = 0; j < 8; j++) {
      let sum = 0;
      for (let i = 0; i < 12; i++) sum += rows[i]![j]!;
      expect(honestMean[j]).toBeCloseTo(sum / 12, 14);
    }
  });
});

describe('cosine', () => {
  it('matches hand-computed angles and is 0 for a zero vector', () => {
    expect(cosine([1, 0], [0, 2])).toBe(0);
    expect(cosine([1, 1], [2, 2])).toBeCloseTo(1, 15);
    expect(cosine([1, 0], [-3, 0])).toBe(-1);
    expect(cosine([3, 4], [4, 3])).toBeCloseTo(24 / 25, 15);
    expect(cosine([0, 0], [1, 2])).toBe(0);
  });
});
