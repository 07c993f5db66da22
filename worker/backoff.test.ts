import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff.js';

describe('reconnection backoff', () => {
  it('doubles from the initial delay up to the cap, half fixed and half jitter', () => {
    const lowest = new Backoff(100, 1000, () => 0);
    expect([1, 2, 3, 4, 5, 6].map(() => lowest.next())).toEqual([50, 100, 200, 400, 500, 500]);
    const highest = new Backoff(100, 1000, () => 1);
    expect([1, 2, 3, 4, 5].map(() => highest.next())).toEqual([100, 200, 400, 800, 1000]);
  });

  it('spreads retries between half and all of the base delay', () => {
    const draws = [0.25, 0.75];
    const backoff = new Backoff(400, 400, () => draws.shift()!);
    expect(backoff.next()).toBe(250);
    expect(backoff.next()).toBe(350);
  });

  it('starts over after a success', () => {
    const backoff = new Backoff(10, 10_000, () => 1);
    backoff.next();
    backoff.next();
    backoff.next();
    backoff.reset();
    expect(backoff.next()).toBe(10);
  });
});
