import { describe, expect, it } from 'vitest';
import { deriveSeed } from './seeds.js';

describe('deriveSeed', () => {
  it('is a pure function of the seed and the path', () => {
    expect(deriveSeed(5, 1, 2)).toBe(deriveSeed(5, 1, 2));
    expect(deriveSeed(5, 1, 2)).toBeGreaterThanOrEqual(0);
    expect(deriveSeed(5, 1, 2)).toBeLessThan(2 ** 32);
  });

  it('separates neighbouring seeds, paths, path orders and steps beyond 2³²', () => {
    const seeds = new Set([
      deriveSeed(5, 1, 2),
      deriveSeed(6, 1, 2),
      deriveSeed(5, 2, 1),
      deriveSeed(5, 1, 3),
      deriveSeed(5, 1),
      deriveSeed(5, 1, 2, 0),
      deriveSeed(5, 1, 2 + 2 ** 32),
    ]);
    expect(seeds.size).toBe(7);
  });

  it('spreads consecutive workers over the whole 32-bit range (high bit set about half the time)', () => {
    let high = 0;
    for (let worker = 0; worker < 10_000; worker++) if (deriveSeed(1, worker) >= 2 ** 31) high++;
    expect(Math.abs(high - 5000)).toBeLessThan(250);
  });
});
