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
}
