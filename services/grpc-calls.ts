import { Metadata, type ServiceError, status } from '@grpc/grpc-js';
import type { Logger } from '../runtime/logger.js';
import { countRejection, type ServerMetrics } from '../runtime/metrics.js';
import { ServerError } from './errors.js';
import { toCallStatus } from './status-codes.js';

export type CallType = 'unary' | 'client_stream' | 'server_stream';

/** Ends one call's bookkeeping with its status code; later calls are ignored, so every path may call it. */
export type FinishCall = (code: status) => void;

/** Counts a call as started and returns the function that records how it ended and how long it took. */
export function trackCall(metrics: ServerMetrics, service: string, method: string, type: CallType): FinishCall {
  const labels = { grpc_service: service, grpc_method: method, grpc_type: type };
  metrics.grpcStarted.inc(labels);
  const stopTimer = metrics.grpcHandlingSeconds.startTimer(labels);
  let finished = false;
  return (code) => {
    if (finished) return;
    finished = true;
    metrics.grpcHandled.inc({ ...labels, grpc_code: status[code] });
    stopTimer();
  };
}

/**
 * Turns a thrown error into the status a caller receives: domain errors are logged at debug (they
 * are the caller's mistake) and, for refused pushes, counted by reason; anything else is logged as
 * a server fault.
 */
export function toServiceError(error: unknown, metrics: ServerMetrics, log: Logger, countAsRejection: boolean): ServiceError {
  const { code, details } = toCallStatus(error);
  if (error instanceof ServerError) {
    if (countAsRejection) countRejection(metrics, error.reason);
    log.debug({ reason: error.reason, code: status[code] }, details);
  } else if (code === status.INTERNAL) {
    log.error({ err: error }, 'unexpected error while handling a call');
  }
  return Object.assign(new Error(details), { code, details, metadata: new Metadata() });
}
