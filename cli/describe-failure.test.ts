import { describe, expect, it } from 'vitest';
import { InvalidParameterError, NonFiniteInputError, ShapeError, TooFewInputsError, UnknownRuleError } from '../aggregators/index.js';
import { ParameterError, UnknownNameError } from '../runtime/errors.js';
import { describeFailure } from './describe-failure.js';
import { InputError, UsageError } from './failure.js';

describe('describeFailure', () => {
  it.each<[Error, number, boolean]>([
    [new UsageError('unknown flag --x'), 2, true],
    [new UnknownRuleError('nope', ['mean']), 2, false],
    [new InvalidParameterError('flag parameter r must be ≥ 1, got 0'), 2, false],
    [new ParameterError('alie parameter z must be ≥ 0, got -1'), 2, false],
    [new UnknownNameError('attack', 'backdoor', ['sign-flip']), 2, false],
    [new InputError('cannot read g.json: no such file or directory'), 1, false],
    [new TooFewInputsError('bulyan', 'n ≥ 4f+3', 9, 2), 1, false],
    [new ShapeError('no gradients to aggregate'), 1, false],
    [new NonFiniteInputError(1, 2, NaN), 1, false],
  ])('maps %s to exit code %i', (error, exitCode, showHelpHint) => {
    expect(describeFailure(error)).toEqual({ exitCode, message: error.message, showHelpHint });
  });

  it('suggests the rule, attack or task a mistyped name most likely meant', () => {
    expect(describeFailure(new UnknownRuleError('flg', ['mean', 'flag']))).toEqual({ exitCode: 2, message: 'unknown rule "flg"; known: mean, flag (did you mean flag?)', showHelpHint: false });
    expect(describeFailure(new UnknownNameError('attack', 'sign-flp', ['sign-flip', 'gaussian'])).message).toBe('unknown attack "sign-flp"; known: sign-flip, gaussian (did you mean sign-flip?)');
  });

  it('reports anything else as an internal error (exit code 70), still on one line', () => {
    expect(describeFailure(new TypeError('x is undefined\n  at f (a.js:1:2)'))).toEqual({
      exitCode: 70,
      message: 'internal error: x is undefined at f (a.js:1:2)',
      showHelpHint: false,
    });
    expect(describeFailure('thrown string').message).toBe('internal error: thrown string');
  });

  it('folds a message that quotes multi-line input into one line', () => {
    expect(describeFailure(new InputError('stdin is not valid JSON: "{\n[1,\n"')).message).toBe('stdin is not valid JSON: "{ [1, "');
  });
});
