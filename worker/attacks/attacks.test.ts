import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../aggregators/index.js';
import { ParameterError, UnknownNameError } from '../../runtime/errors.js';
import { AttackInputError, type AttackInput, type GradientAttack } from './attack.js';
import { createAttack, listAttacks } from './registry.js';

function gradientAttack(name: string, params: Record<string, number> = {}): GradientAttack {
  const attack = createAttack({ name, params });
  if (attack.kind !== 'gradient') throw new Error(`${name} is not a gradient attack`);
  return attack;
}

/** A gradient with no zero coordinates, so a zeroed coordinate is always visible. */
function honestRow(d: number, seed: number): Float32Array {
  const random = SeededRandom.fromSeed(seed);
  return Float32Array.from({ length: d }, () => (random.next() < 0.5 ? -1 : 1) * (0.5 + random.next()));
}

const own = Float32Array.from([1, -2, 0.5, 4]);
const estimates = [Float32Array.from([1, 2, 3, 4]), Float32Array.from([3, 2, 1, 0]), Float32Array.from([2, -1, 2, 2])];
const input: AttackInput = { own, honestEstimates: estimates, round: 3 };

describe('attacks', () => {
  it('registers the twelve attacks of the design, each with a summary', () => {
    expect(listAttacks().map((attack) => attack.name).sort()).toEqual(
      ['alie', 'drop', 'gaussian', 'inf', 'ipm', 'label-flip', 'mimic', 'nan', 'scaled', 'sign-flip', 'uniform', 'zero'].sort(),
    );
    for (const attack of listAttacks()) expect(attack.summary.length).toBeGreaterThan(10);
  });

  it('sign-flip pushes −k·g and scaled pushes k·g, leaving the input untouched', () => {
    expect(Array.from(gradientAttack('sign-flip').apply(input))).toEqual([-1, 2, -0.5, -4]);
    expect(Array.from(gradientAttack('sign-flip', { k: 3 }).apply(input))).toEqual([-3, 6, -1.5, -12]);
    expect(Array.from(gradientAttack('scaled').apply(input))).toEqual([100, -200, 50, 400]);
    expect(Array.from(gradientAttack('scaled', { k: -0.5 }).apply(input))).toEqual([-0.5, 1, -0.25, -2]);
    expect(Array.from(own)).toEqual([1, -2, 0.5, 4]);
  });

  it('ipm pushes −ε times the mean of the estimates', () => {
    // Mean of the estimates: (2, 1, 2, 2).
    expect(Array.from(gradientAttack('ipm').apply(input))).toEqual(Array.from(Float32Array.from([-0.2, -0.1, -0.2, -0.2])));
    expect(Array.from(gradientAttack('ipm', { epsilon: 2 }).apply(input))).toEqual([-4, -2, -4, -4]);
  });

  it('mimic pushes a copy of the chosen estimate', () => {
    const pushed = gradientAttack('mimic', { target: 1 }).apply(input);
    expect(Array.from(pushed)).toEqual([3, 2, 1, 0]);
    expect(pushed).not.toBe(estimates[1]);
    expect(Array.from(gradientAttack('mimic').apply(input))).toEqual([1, 2, 3, 4]);
  });

  it('zero, nan and inf fill every coordinate', () => {
    expect(Array.from(gradientAttack('zero').apply(input))).toEqual([0, 0, 0, 0]);
    expect(gradientAttack('nan').apply(input).every(Number.isNaN)).toBe(true);
    expect(Array.from(gradientAttack('inf').apply(input))).toEqual([Infinity, Infinity, Infinity, Infinity]);
  });

  it.each([
    [0.5, 1001],
    [0.1, 1000],
    [0.9, 999],
    [0, 10],
    [1, 10],
    [0.25, 2],
  ])('drop with fraction %f zeroes exactly round(fraction·d) of d=%i coordinates and keeps the rest', (fraction, d) => {
    const row = honestRow(d, 4);
    const pushed = gradientAttack('drop', { fraction, seed: 7 }).apply({ own: row, honestEstimates: [], round: 1 });
    let zeroed = 0;
    pushed.forEach((value, j) => {
      if (value === 0) zeroed++;
      else expect(value).toBe(row[j]);
    });
    expect(zeroed).toBe(Math.round(fraction * d));
  });

  it('drop picks different coordinates in different rounds and the same in the same round', () => {
    const attack = gradientAttack('drop', { fraction: 0.5 });
    const row = honestRow(200, 5);
    const at = (round: number) => attack.apply({ own: row, honestEstimates: [], round });
    expect(at(4)).toEqual(at(4));
    expect(at(4)).not.toEqual(at(5));
  });

  it('gaussian draws N(0, σ²) per coordinate, reproducibly per seed and round', () => {
    const attack = gradientAttack('gaussian', { sigma: 3, seed: 2 });
    const d = 100_000;
    const pushed = attack.apply({ own: new Float32Array(d), honestEstimates: [], round: 9 });
    const mean = pushed.reduce((a, b) => a + b, 0) / d;
    const variance = pushed.reduce((a, b) => a + (b - mean) ** 2, 0) / d;
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(Math.abs(variance - 9) / 9).toBeLessThan(0.02);
    expect(attack.apply({ own: new Float32Array(d), honestEstimates: [], round: 9 })).toEqual(pushed);
    expect(gradientAttack('gaussian', { sigma: 3, seed: 3 }).apply({ own: new Float32Array(d), honestEstimates: [], round: 9 })).not.toEqual(pushed);
    expect(gradientAttack('gaussian').params).toEqual({ sigma: 200, seed: 0 });
  });

  it('uniform draws U[0, 1) per coordinate: mean ½, variance 1/12', () => {
    const d = 100_000;
    const pushed = gradientAttack('uniform').apply({ own: new Float32Array(d), honestEstimates: [], round: 0 });
    expect(pushed.every((value) => value >= 0 && value < 1)).toBe(true);
    const mean = pushed.reduce((a, b) => a + b, 0) / d;
    const variance = pushed.reduce((a, b) => a + (b - mean) ** 2, 0) / d;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(0.002);
  });

  it('label-flip is a data attack mapping y to 9 − y for ten classes', () => {
    const attack = createAttack({ name: 'label-flip' });
    expect(attack.kind).toBe('data');
    if (attack.kind !== 'data') return;
    expect(Array.from(attack.labelMap(10))).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    expect(Array.from(attack.labelMap(3))).toEqual([2, 1, 0]);
  });

  it('rejects unknown names and parameters and bad values with clear errors', () => {
    expect(() => createAttack({ name: 'backdoor' })).toThrow(UnknownNameError);
    expect(() => createAttack({ name: 'backdoor' })).toThrow(/unknown attack "backdoor"; known: sign-flip, gaussian/);
    expect(() => createAttack({ name: 'sign-flip', params: { sigma: 1 } })).toThrow(/sign-flip has no parameter "sigma"; known: k/);
    expect(() => createAttack({ name: 'zero', params: { k: 1 } })).toThrow(/it takes no parameters/);
    expect(() => createAttack({ name: 'drop', params: { fraction: 1.5 } })).toThrow(/drop parameter fraction must be ≤ 1, got 1.5/);
    expect(() => createAttack({ name: 'gaussian', params: { sigma: 'wide' } })).toThrow(ParameterError);
    expect(() => createAttack({ name: 'mimic', params: { target: 0.5 } })).toThrow(/must be an integer/);
    expect(createAttack({ name: 'sign-flip', params: { k: '2' } }).params).toEqual({ k: 2 });
  });

  it('checks the honest estimates on every call: enough of them, and of the gradient length', () => {
    expect(gradientAttack('alie', { z: 1 }).estimatesNeeded).toBe(2);
    expect(gradientAttack('mimic', { target: 4 }).estimatesNeeded).toBe(5);
    expect(gradientAttack('sign-flip').estimatesNeeded).toBe(0);
    expect(() => gradientAttack('ipm').apply({ own, honestEstimates: [], round: 0 })).toThrow(/ipm needs at least 1 honest gradient estimates, got 0/);
    expect(() => gradientAttack('mimic', { target: 3 }).apply(input)).toThrow(/mimic needs at least 4/);
    expect(() => gradientAttack('ipm').apply({ own, honestEstimates: [new Float32Array(3)], round: 0 })).toThrow(AttackInputError);
  });
});
