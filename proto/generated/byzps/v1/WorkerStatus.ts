// Original file: proto/byzps/v1/control.proto


export interface WorkerStatus {
  'workerId'?: (number);
  'name'?: (string);
  /**
   * Whether the worker has pushed for the open round.
   */
  'pushedThisRound'?: (boolean);
  /**
   * Unix time of its last accepted push in milliseconds, 0 if never.
   */
  'lastPushUnixMs'?: (number | string);
  /**
   * Whether rounds wait for this worker (docs/PROTOCOL.md, "Round membership").
   */
  'awaited'?: (boolean);
  /**
   * For a worker not awaited: accepted pushes in a row it still needs before rounds wait for it.
   */
  'probation'?: (number);
}

export interface WorkerStatus__Output {
  'workerId': (number);
  'name': (string);
  /**
   * Whether the worker has pushed for the open round.
   */
  'pushedThisRound': (boolean);
  /**
   * Unix time of its last accepted push in milliseconds, 0 if never.
   */
  'lastPushUnixMs': (number);
  /**
   * Whether rounds wait for this worker (docs/PROTOCOL.md, "Round membership").
   */
  'awaited': (boolean);
  /**
   * For a worker not awaited: accepted pushes in a row it still needs before rounds wait for it.
   */
  'probation': (number);
}
