/**
 * Typed errors of the worker-side modules (tasks, data, attacks). Parameter mistakes reuse
 * InvalidParameterError from the aggregation library so that one mapping handles both.
 */
export class WorkerError extends Error {
  override readonly name: string = 'WorkerError';
}

/** No task or attack of that name exists. */
export class UnknownNameError extends WorkerError {
  override readonly name = 'UnknownNameError';
  constructor(readonly kind: string, readonly given: string, readonly known: readonly string[]) {
    super(`unknown ${kind} "${given}"; known: ${known.join(', ')}`);
  }
}

/** A data file is missing, unreadable or not in the expected format. */
export class DatasetError extends WorkerError {
  override readonly name = 'DatasetError';
}
