import { status } from '@grpc/grpc-js';
import { AggregationError, TooFewInputsError } from '../aggregators/index.js';
import {
  AuthenticationError,
  CancelledError,
  DuplicatePushError,
  InvalidGradientError,
  InvalidRequestError,
  LimitExceededError,
  NotConfiguredError,
  PermissionError,
  PullWaitExpiredError,
  ServiceOffError,
  ShardOutOfStepError,
  ShuttingDownError,
  UnknownWorkerError,
  WrongShardError,
  WrongRoundError,
} from './errors.js';

/** What a failed call ends with: a gRPC status code and details a user can act on. */
export interface CallStatus {
  readonly code: status;
  readonly details: string;
}

/** Error classes in the order they are matched; subclasses come before their bases. */
const mapping: readonly (readonly [abstract new (...args: never[]) => Error, status])[] = [
  [AuthenticationError, status.UNAUTHENTICATED],
  [PermissionError, status.PERMISSION_DENIED],
  [UnknownWorkerError, status.NOT_FOUND],
  [WrongRoundError, status.FAILED_PRECONDITION],
  [DuplicatePushError, status.ALREADY_EXISTS],
  [InvalidGradientError, status.INVALID_ARGUMENT],
  [InvalidRequestError, status.INVALID_ARGUMENT],
  [LimitExceededError, status.RESOURCE_EXHAUSTED],
  [CancelledError, status.CANCELLED],
  [NotConfiguredError, status.FAILED_PRECONDITION],
  [ShuttingDownError, status.UNAVAILABLE],
  [ServiceOffError, status.UNIMPLEMENTED],
  [PullWaitExpiredError, status.DEADLINE_EXCEEDED],
  [WrongShardError, status.OUT_OF_RANGE],
  [ShardOutOfStepError, status.FAILED_PRECONDITION],
  [TooFewInputsError, status.FAILED_PRECONDITION],
  [AggregationError, status.INVALID_ARGUMENT],
];

/**
 * The one mapping from domain errors to gRPC status codes. Anything unexpected becomes INTERNAL
 * with a generic message, so internals never leak to a caller (the server logs the original).
 */
export function toCallStatus(error: unknown): CallStatus {
  for (const [errorClass, code] of mapping) {
    if (error instanceof errorClass) return { code, details: error.message };
  }
  return { code: status.INTERNAL, details: 'internal error in the parameter server; see its logs' };
}
