import { describe, expect, it } from 'vitest';
import { ParameterError } from '../../runtime/errors.js';
import { UsageError } from '../failure.js';
import { attackerParams, checkGrid, expandGrid, parseChoices, parseIntegers, type GridSpec } from './grid.js';

const spec: GridSpec = {
  task: 'synthetic',
  rules: [{ name: 'mean', params: {} }, { name: 'multi-krum', params: { m: '3' } }],
  attacks: [{ name: 'none', params: {} }, { name: 'sign-flip', params: { k: '10' } }, { name: 'alie', params: {} }],
  fs: [1, 2],
  seeds: [1, 2],
  n: 11,
  rounds: 20,
  evalEveryRounds: 5,
  learningRate: 0.2,
  momentum: 0.5,
  batchSize: 8,
  width: 100,
};

describe('parseChoices', () => {
  it('reads names and their parameters in the one spec grammar', () => {
    expect(parseChoices('mean, krum:m=3,flag:p=2,lambda=0.5')).toEqual([
      { name: 'mean', params: {} },
      { name: 'krum', params: { m: '3' } },
      { name: 'flag', params: { p: '2', lambda: '0.5' } },
    ]);
  });

  it.each([
    ['mean,,median', /the list has an empty entry/],
    ['krum:m', /the list krum: expected KEY=VALUE, got "m"/],
    ['krum:=3', /expected KEY=VALUE/],
    ['', /the list names nothing/],
  ])('refuses %j with one line', (text, problem) => {
    expect(() => parseChoices(text)).toThrow(problem);
  });
});

describe('parseIntegers', () => {
  it('reads a comma-separated list', () => {
    expect(parseIntegers('1,2, 30', 0)).toEqual([1, 2, 30]);
  });

  it.each(['1,x', '1.5', '-1', ''])('refuses %j', (text) => {
    expect(() => parseIntegers(text, 0)).toThrow(ParameterError);
  });
});

describe('expandGrid', () => {
  it('gives every rule × attack × f × seed once, rules outermost, with the shared settings', () => {
    const cells = expandGrid(spec);
    expect(cells).toHaveLength(2 * 3 * 2 * 2);
    expect(cells.slice(0, 4).map((cell) => [cell.rule, cell.attack, cell.f, cell.seed])).toEqual([
      ['mean', 'none', 1, 1],
      ['mean', 'none', 1, 2],
      ['mean', 'none', 2, 1],
      ['mean', 'none', 2, 2],
    ]);
    expect(cells[12]).toEqual({
      task: 'synthetic',
      rule: 'multi-krum',
      ruleParams: { m: '3' },
      attack: 'none',
      attackParams: {},
      f: 1,
      seed: 1,
      n: 11,
      rounds: 20,
      evalEveryRounds: 5,
      learningRate: 0.2,
      momentum: 0.5,
      batchSize: 8,
      width: 100,
    });
    const distinct = new Set(cells.map((cell) => JSON.stringify([cell.rule, cell.ruleParams, cell.attack, cell.f, cell.seed])));
    expect(distinct.size).toBe(cells.length);
  });
});

describe('checkGrid', () => {
  it('accepts a grid every rule and attack can run', () => {
    expect(() => {
      checkGrid(spec);
    }).not.toThrow();
  });

  it('names the rule, f and the n it needs when n is too small (Bulyan: n ≥ 4f + 3)', () => {
    expect(() => {
      checkGrid({ ...spec, rules: [{ name: 'bulyan', params: {} }], fs: [2, 3], n: 13 });
    }).toThrow(/^--rules: bulyan with f=3 needs n ≥ 15, but --n is 13$/);
  });

  it.each([
    [{ rules: [{ name: 'nosuch', params: {} }] }, /--rules: nosuch with f=1: .*nosuch/],
    [{ rules: [{ name: 'krum', params: { nosuch: '1' } }] }, /--rules: krum with f=1: /],
    [{ attacks: [{ name: 'nosuch', params: {} }] }, /--attacks: .*nosuch/],
    [{ attacks: [{ name: 'none', params: { k: '1' } }] }, /--attacks: none takes no parameters/],
    [{ fs: [11] }, /--f 11 leaves no honest worker among --n 11/],
    [{ rounds: 4 }, /--rounds \(4\) must be at least --eval-every-rounds \(5\)/],
  ])('refuses %j with one UsageError line', (change, problem) => {
    let thrown: unknown;
    try {
      checkGrid({ ...spec, ...change });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UsageError);
    expect((thrown as Error).message).toMatch(problem);
    expect((thrown as Error).message).not.toContain('\n');
  });
});

describe('attackerParams', () => {
  it('adds n and f to ALIE, which needs them for z, and keeps parameters given', () => {
    expect(attackerParams({ name: 'alie', params: {} }, { n: 15, f: 3, attacker: 12 })).toEqual({ n: '15', f: '3' });
    expect(attackerParams({ name: 'alie', params: { z: '1.5' } }, { n: 15, f: 3, attacker: 12 })).toMatchObject({ z: '1.5' });
  });

  it('gives each attacker of a random attack its own seed unless one is given', () => {
    const seeds = [12, 13, 14].map((attacker) => attackerParams({ name: 'uniform', params: {} }, { n: 15, f: 3, attacker }).seed);
    expect(new Set(seeds).size).toBe(3);
    expect(attackerParams({ name: 'uniform', params: { seed: '7' } }, { n: 15, f: 3, attacker: 12 }).seed).toBe('7');
  });

  it('adds nothing to an attack that takes none of them', () => {
    expect(attackerParams({ name: 'sign-flip', params: { k: '10' } }, { n: 15, f: 3, attacker: 12 })).toEqual({ k: '10' });
  });
});
