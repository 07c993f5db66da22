import type { RejectReason } from '../runtime/metrics.js';

/**
 * Domain errors of the parameter server. Domain code throws these; status-codes.ts is the one place
 * that turns them into gRPC status codes, and `reason` is the bounded label of the rejection metric.
 */

/** Base of every error a worker or operator call can be refused with. */
export abstract class ServerError extends Error {
  constructor(readonly reason: RejectReason, message: string) {
    super(message);
  }
}

/** No token, or not the expected one. */
export class AuthenticationError extends ServerError {
  override readonly name = 'AuthenticationError';
}

/** A valid token of the wrong role (a worker token on the control service) or of another worker. */
export class PermissionError extends ServerError {
  override readonly name = 'PermissionError';
}

/** The worker id was never handed out by Join. */
export class UnknownWorkerError extends ServerError {
  override readonly name = 'UnknownWorkerError';
  constructor(readonly workerId: number) {
    super('unknown_worker', `worker id ${workerId} has not joined; call Join first`);
  }
}

/** A push for a round other than the open one. */
export class WrongRoundError extends ServerError {
  override readonly name = 'WrongRoundError';
  constructor(readonly pushedRound: number, readonly openRound: number) {
    super(
      pushedRound < openRound ? 'stale_round' : 'future_round',
      pushedRound < openRound
        ? `round ${pushedRound} is closed; the open round is ${openRound}: pull again`
        : `round ${pushedRound} has not started; the open round is ${openRound}`,
    );
  }
}

/** A second gradient from the same worker in one round. */
export class DuplicatePushError extends ServerError {
  override readonly name = 'DuplicatePushError';
  constructor(readonly workerId: number, readonly round: number) {
    super('duplicate', `worker ${workerId} already pushed (or is pushing) a gradient for round ${round}`);
  }
}

/** A gradient whose bytes do not form a valid vector of length d. */
export class InvalidGradientError extends ServerError {
  override readonly name = 'InvalidGradientError';
}

/** A stream or a chunk beyond the server's limits, or a worker beyond max workers. */
export class LimitExceededError extends ServerError {
  override readonly name = 'LimitExceededError';
}

/** The caller gave up (disconnected or cancelled) before the push completed. */
export class CancelledError extends ServerError {
  override readonly name = 'CancelledError';
}

/** The server is shutting down and takes no new work. */
export class ShuttingDownError extends ServerError {
  override readonly name = 'ShuttingDownError';
  constructor() {
    super('shutting_down', 'the parameter server is shutting down; retry against its replacement');
  }
}

/** An operator asked for a feature the server was started without (e.g. Checkpoint without a directory). */
export class NotConfiguredError extends ServerError {
  override readonly name = 'NotConfiguredError';
}

/** The control service was asked for while it is off (no admin token configured). */
export class ServiceOffError extends ServerError {
  override readonly name = 'ServiceOffError';
  constructor() {
    super('not_configured', 'the control service is off: the server was started without --admin-token');
  }
}

/** A request the server understands but refuses in its current state (e.g. a bad worker name). */
export class InvalidRequestError extends ServerError {
  override readonly name = 'InvalidRequestError';
}

/**
 * A long-poll Pull or Observe whose round did not open within --pull-wait-ms. Not a refusal: the
 * client simply asks again (DEADLINE_EXCEEDED).
 */
export class PullWaitExpiredError extends Error {
  override readonly name = 'PullWaitExpiredError';
  constructor(readonly wantedRound: number, readonly openRound: number, readonly waitMs: number) {
    super(`round ${wantedRound} did not open within ${waitMs} ms (--pull-wait-ms; the open round is ${openRound}); pull again`);
  }
}

/** A push of coordinates outside the range this shard of a sharded server owns. */
export class WrongShardError extends ServerError {
  override readonly name = 'WrongShardError';
  constructor(readonly start: number, readonly end: number, readonly ownedStart: number, readonly ownedEnd: number, readonly shard: number) {
    super('not_this_shard', `coordinates [${start}, ${end}) are not this shard's: shard ${shard} owns [${ownedStart}, ${ownedEnd}); push each range to the shard JoinReply.shards names`);
  }
}

/** A shard-to-shard call (ShardPeer) that does not fit the receiving shard's round. */
export class ShardOutOfStepError extends ServerError {
  override readonly name = 'ShardOutOfStepError';
  constructor(message: string) {
    super('shard_out_of_step', message);
  }
}
