import { describe, expect, it } from 'vitest';
import { ParameterError } from './errors.js';
import { formatSpec, parsePairs, parseSpec, parseSpecs } from './spec.js';

describe('the spec grammar', () => {
  it('reads names and parameters, a part with = continuing the spec before it', () => {
    expect(parseSpecs('mean,flag:r=4,lambda=0,median')).toEqual([
      { name: 'mean', params: {} },
      { name: 'flag', params: { r: '4', lambda: '0' } },
      { name: 'median', params: {} },
    ]);
    expect(parseSpecs(' sign-flip:k=10 , gaussian ')).toEqual([
      { name: 'sign-flip', params: { k: '10' } },
      { name: 'gaussian', params: {} },
    ]);
    expect(parseSpec('clip:tau=1')).toEqual({ name: 'clip', params: { tau: '1' } });
    expect(parsePairs('k=10, seed=3')).toEqual({ k: '10', seed: '3' });
    expect(parsePairs('')).toEqual({});
    expect(parseSpecs('  ')).toEqual([]);
  });

  it('stores a parameter named like an Object property as data', () => {
    expect(Object.keys(parsePairs('__proto__=1,constructor=2'))).toEqual(['__proto__', 'constructor']);
    expect(Object.keys(parseSpec('clip:__proto__=1').params)).toEqual(['__proto__']);
  });

  it('prints a spec back in the same grammar', () => {
    for (const text of ['mean', 'flag:r=4,lambda=0', 'drop-push:probability=1']) expect(formatSpec(parseSpec(text))).toBe(text);
  });

  it.each([
    ['k=1', /must start with a name/],
    ['flag:r', /expected KEY=VALUE, got "r"/],
    ['flag:r=1,r=2', /sets r twice/],
    ['mean,,median', /empty entry/],
    ['fl ag', /expected NAME/],
    ['Mean', /expected NAME/],
    ['flag:r=', /expected KEY=VALUE/],
  ])('refuses %j with one clear message', (text, message) => {
    expect(() => parseSpecs(text)).toThrow(ParameterError);
    expect(() => parseSpecs(text)).toThrow(message);
  });

  it('takes exactly one spec where one is asked for', () => {
    expect(() => parseSpec('mean,median', '--pre')).toThrow(/--pre takes one NAME/);
  });
});
