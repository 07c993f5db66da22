import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../aggregators/index.js';
import { ParameterError } from '../../runtime/errors.js';
import { alieGradient, alieZ } from './alie.js';
import { createAttack } from './registry.js';

describe('alie', () => {
  // z = scipy.stats.norm.ppf((n − s)/n) with s = ⌊n/2 + 1⌋ − f, evaluated with scipy 1.17.1.
  it.each([
    [50, 24, 1.7506860712521692],
    [50, 12, 0.5828415072712162],
    [20, 5, 0.5244005127080407],
    [15, 3, 0.43072729929545744],
    [7, 2, 0.5659488219328631],
    [10, 1, 0],
  ])('computes Baruch et al.\'s z for n=%i, f=%i', (n, f, expected) => {
    expect(alieZ(n, f)).toBeCloseTo(expected, 12);
  });

  it('rejects an f so large that no honest worker needs persuading', () => {
    expect(() => alieZ(10, 6)).toThrow(ParameterError);
    expect(() => alieZ(10, 6)).toThrow(/got s=0 for n=10, f=6/);
    expect(() => alieZ(1, 0)).toThrow(/got s=1 for n=1, f=0/);
  });

  it('pushes μ − zσ per coordinate, with the sample standard deviation of the estimates', () => {
    const estimates = [Float32Array.from([1, 0, 5]), Float32Array.from([3, 0, 1]), Float32Array.from([2, 0, 3])];
    // Per coordinate: μ = (2, 0, 3), sample σ = (1, 0, 2).
    expect(Array.from(alieGradient(estimates, 1.5))).toEqual([0.5, 0, 0]);
  });

  it('matches an independent mean and standard deviation on random estimates, through the registry', () => {
    const random = SeededRandom.fromSeed(8);
    const estimates = Array.from({ length: 6 }, () => Float32Array.from({ length: 40 }, () => random.next() * 4 - 2));
    const attack = createAttack({ name: 'alie', params: { n: 50, f: 24 } });
    if (attack.kind !== 'gradient') throw new Error('alie is a gradient attack');
    const pushed = attack.apply({ own: estimates[0]!, honestEstimates: estimates, round: 0 });
    const z = 1.7506860712521692;
    for (let j = 0; j < 40; j++) {
      const column = estimates.map((row) => row[j]!);
      const mean = column.reduce((a, b) => a + b, 0) / column.length;
      const std = Math.sqrt(column.reduce((a, b) => a + (b - mean) ** 2, 0) / (column.length - 1));
      expect(pushed[j]).toBeCloseTo(mean - z * std, 5);
    }
  });

  it('takes z directly, and needs n and f otherwise', () => {
    const attack = createAttack({ name: 'alie', params: { z: 2 } });
    expect(attack.params).toEqual({ z: 2 });
    expect(() => createAttack({ name: 'alie', params: { n: 50 } })).toThrow(/alie needs the parameters n and f/);
    expect(() => createAttack({ name: 'alie', params: { n: 10, f: 7 } })).toThrow(/f must be below/);
  });
});
