import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { TooFewInputsError, UnknownRuleError } from '../aggregators/index.js';
import { DuplicatePushError, InvalidGradientError, LimitExceededError, WrongRoundError } from './errors.js';
import { toCallStatus } from './status-codes.js';

describe('status mapping', () => {
  it('maps each domain error to its gRPC code with its own message', () => {
    expect(toCallStatus(new WrongRoundError(1, 2))).toEqual({ code: status.FAILED_PRECONDITION, details: 'round 1 is closed; the open round is 2: pull again' });
    expect(toCallStatus(new DuplicatePushError(3, 4)).code).toBe(status.ALREADY_EXISTS);
    expect(toCallStatus(new InvalidGradientError('non_finite', 'x')).code).toBe(status.INVALID_ARGUMENT);
    expect(toCallStatus(new LimitExceededError('chunk_too_large', 'x')).code).toBe(status.RESOURCE_EXHAUSTED);
    expect(toCallStatus(new TooFewInputsError('bulyan', 'n ≥ 4f+3', 9, 2))).toEqual({ code: status.FAILED_PRECONDITION, details: 'bulyan needs n ≥ 4f+3: got n=9, f=2' });
    expect(toCallStatus(new UnknownRuleError('nope', ['mean'])).code).toBe(status.INVALID_ARGUMENT);
  });

  it('hides unexpected errors behind INTERNAL', () => {
    expect(toCallStatus(new TypeError('cannot read x of undefined at /srv/secret/path.ts'))).toEqual({
      code: status.INTERNAL,
      details: 'internal error in the parameter server; see its logs',
    });
  });
});
