// Original file: proto/byzps/v1/control.proto

import type { WorkerStatus as _byzps_v1_WorkerStatus, WorkerStatus__Output as _byzps_v1_WorkerStatus__Output } from '../../byzps/v1/WorkerStatus.js';

export interface StatusReply {
  'round'?: (number);
  'rule'?: (string);
  'byzantineBound'?: (number);
  'dimension'?: (number);
  'task'?: (string);
  'paused'?: (boolean);
  /**
   * Gradients in for the open round, and how many the round needs before its deadline may close it.
   */
  'gradientsReceived'?: (number);
  'quorum'?: (number);
  'workers'?: (_byzps_v1_WorkerStatus)[];
  /**
   * Workers the open round waits for.
   */
  'awaited'?: (number);
}

export interface StatusReply__Output {
  'round': (number);
  'rule': (string);
  'byzantineBound': (number);
  'dimension': (number);
  'task': (string);
  'paused': (boolean);
  /**
   * Gradients in for the open round, and how many the round needs before its deadline may close it.
   */
  'gradientsReceived': (number);
  'quorum': (number);
  'workers': (_byzps_v1_WorkerStatus__Output)[];
  /**
   * Workers the open round waits for.
   */
  'awaited': (number);
}
