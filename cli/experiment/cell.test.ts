import { describe, expect, it } from 'vitest';
import { cellKey, cellName, choiceLabel } from './cell.js';
import { sampleSettings } from './testing.js';

describe('cellKey', () => {
  it('is the same for the same settings whatever the order of their keys', () => {
    const reordered = Object.fromEntries(Object.entries(sampleSettings).reverse()) as typeof sampleSettings;
    const paramsReordered = { ...sampleSettings, attackParams: { seed: '3', k: '10' } };
    expect(cellKey(reordered)).toBe(cellKey(sampleSettings));
    expect(cellKey(paramsReordered)).toBe(cellKey({ ...sampleSettings, attackParams: { k: '10', seed: '3' } }));
  });

  it.each([
    ['rounds', { rounds: 11 }],
    ['learning rate', { learningRate: 0.1 }],
    ['seed', { seed: 2 }],
    ['an attack parameter', { attackParams: { k: '5' } }],
    ['a rule parameter', { ruleParams: { m: '2' } }],
    ['the task width', { width: 101 }],
  ])('changes when %s changes', (_what, change) => {
    expect(cellKey({ ...sampleSettings, ...change })).not.toBe(cellKey(sampleSettings));
  });
});

describe('labels', () => {
  it('writes parameters in the flag form, sorted', () => {
    expect(choiceLabel('flag', { p: '2', lambda: '0.5' })).toBe('flag:lambda=0.5,p=2');
    expect(cellName(sampleSettings)).toBe('mean × sign-flip:k=10 f=1 seed=1');
  });
});
