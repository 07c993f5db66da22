import { describe, expect, it } from 'vitest';
import { ParameterError, UnknownNameError } from '../runtime/errors.js';
import { createSystemFault, parseInstructions, systemFaultHelp } from './faults.js';

describe('system faults', () => {
  it('parses KIND[:KEY=VALUE,...] separated by semicolons', () => {
    expect(parseInstructions('delay:ms=2000, crash:exit-code=7,after-steps=3,duplicate-push')).toEqual([
      { kind: 'delay', params: { ms: '2000' } },
      { kind: 'crash', params: { 'exit-code': '7', 'after-steps': '3' } },
      { kind: 'duplicate-push', params: {} },
    ]);
    expect(parseInstructions('')).toEqual([]);
  });

  it('names the malformed part', () => {
    expect(() => parseInstructions('delay:2000')).toThrow(/--fault delay: expected KEY=VALUE, got "2000"/);
    expect(() => parseInstructions('Delay')).toThrow(ParameterError);
  });

  it('fills in defaults and converts parameters', () => {
    expect(createSystemFault('crash')).toEqual({ kind: 'crash', exitCode: 3, afterSteps: 0 });
    expect(createSystemFault('drop-push', { probability: '0.25' })).toEqual({ kind: 'drop-push', probability: 0.25, seed: 0 });
    expect(createSystemFault('disconnect', { 'down-ms': '50' })).toEqual({ kind: 'disconnect', downMs: 50 });
    expect(createSystemFault('wrong-length')).toEqual({ kind: 'wrong-length', extra: 1 });
  });

  it('refuses unknown kinds, unknown parameters and values out of range', () => {
    expect(() => createSystemFault('explode')).toThrow(UnknownNameError);
    expect(() => createSystemFault('delay', { seconds: '2' })).toThrow(/delay has no parameter "seconds"; known: ms/);
    expect(() => createSystemFault('drop-push', { probability: '1.5' })).toThrow(/probability must be ≤ 1, got 1.5/);
    expect(() => createSystemFault('crash', { 'exit-code': '0' })).toThrow(/exit-code must be ≥ 1/);
    expect(() => createSystemFault('wrong-length', { extra: '0' })).toThrow(/extra must not be 0/);
  });

  it('lists every kind with its defaults for --help', () => {
    expect(systemFaultHelp()).toContain('  crash:exit-code=3,after-steps=0');
    expect(systemFaultHelp()).toContain('  nan-payload\n');
  });
});
