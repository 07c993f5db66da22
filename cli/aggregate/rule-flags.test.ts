import { describe, expect, it } from 'vitest';
import { ParameterError } from '../../runtime/errors.js';
import { UsageError } from '../failure.js';
import { ruleSpecFromFlags } from './rule-flags.js';

const none = { f: undefined, param: [], pre: [] };

describe('ruleSpecFromFlags', () => {
  it('builds a full spec from --rule, --f, --param and --pre', () => {
    const spec = ruleSpecFromFlags({ rule: 'flag', f: '3', param: ['r=4', 'lambda=0.5'], pre: ['nnm', 'clip:tau=1,norm=2'] });
    expect(spec).toEqual({
      name: 'flag',
      f: 3,
      params: { r: '4', lambda: '0.5' },
      pre: [{ name: 'nnm', params: {} }, { name: 'clip', params: { tau: '1', norm: '2' } }],
    });
  });

  it('defaults f to 0 and keeps a value containing =', () => {
    const spec = ruleSpecFromFlags({ ...none, rule: 'mean', param: ['label=a=b'] });
    expect(spec.f).toBe(0);
    expect(spec.params).toEqual({ label: 'a=b' });
  });

  it('stores a parameter named like an Object property as data', () => {
    const spec = ruleSpecFromFlags({ ...none, rule: 'mean', param: ['__proto__=1', 'constructor=2'] });
    expect(Object.keys(spec.params ?? {})).toEqual(['__proto__', 'constructor']);
  });

  it.each([
    [{ ...none, rule: undefined }, /^--rule is required$/],
    [{ ...none, rule: '' }, /^--rule is required$/],
    [{ ...none, rule: 'mean', f: '-1' }, /--f must be a non-negative integer, got "-1"/],
    [{ ...none, rule: 'mean', f: '1.5' }, /--f must be a non-negative integer, got "1.5"/],
    [{ ...none, rule: 'mean', f: 'two' }, /--f must be a non-negative integer/],
  ])('rejects %j', (flags, message) => {
    expect(() => ruleSpecFromFlags(flags)).toThrow(UsageError);
    expect(() => ruleSpecFromFlags(flags)).toThrow(message);
  });

  it.each([
    [{ ...none, rule: 'mean', param: ['r'] }, /--param: expected KEY=VALUE, got "r"/],
    [{ ...none, rule: 'mean', param: ['=4'] }, /--param: expected KEY=VALUE, got "=4"/],
    [{ ...none, rule: 'mean', param: ['r='] }, /--param: expected KEY=VALUE, got "r="/],
    [{ ...none, rule: 'mean', param: ['r=1', 'r=2'] }, /--param sets r twice/],
    [{ ...none, rule: 'mean', pre: [':tau=1'] }, /--pre: expected NAME/],
    [{ ...none, rule: 'mean', pre: ['clip:tau'] }, /--pre clip: expected KEY=VALUE, got "tau"/],
    [{ ...none, rule: 'mean', pre: ['clip:'] }, /--pre clip: expected KEY=VALUE, got ""/],
  ])('rejects the parameters of %j', (flags, message) => {
    expect(() => ruleSpecFromFlags(flags)).toThrow(ParameterError);
    expect(() => ruleSpecFromFlags(flags)).toThrow(message);
  });
});
