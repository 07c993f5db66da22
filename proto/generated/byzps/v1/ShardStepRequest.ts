// Original file: proto/byzps/v1/shard.proto

import type { Mixing as _byzps_v1_Mixing, Mixing__Output as _byzps_v1_Mixing__Output } from '../../byzps/v1/Mixing.js';

export interface ShardStepRequest {
  'rule'?: (string);
  'round'?: (number);
  'step'?: (number);
  /**
   * Step 0 only: the workers whose gradients the round aggregates, in the order of the rows.
   */
  'members'?: (string)[];
  'mix'?: (_byzps_v1_Mixing)[];
  /**
   * "summarize" or "apply".
   */
  'task'?: (string);
  'gram'?: (boolean);
  'anchor'?: (boolean);
  /**
   * apply: "combine", "trimmed-mean" or "mean-around-median", and its values.
   */
  'applyKind'?: (string);
  'weights'?: (number | string)[];
  'trim'?: (number);
  'rows'?: (number)[];
  'drop'?: (number);
}

export interface ShardStepRequest__Output {
  'rule': (string);
  'round': (number);
  'step': (number);
  /**
   * Step 0 only: the workers whose gradients the round aggregates, in the order of the rows.
   */
  'members': (string)[];
  'mix': (_byzps_v1_Mixing__Output)[];
  /**
   * "summarize" or "apply".
   */
  'task': (string);
  'gram': (boolean);
  'anchor': (boolean);
  /**
   * apply: "combine", "trimmed-mean" or "mean-around-median", and its values.
   */
  'applyKind': (string);
  'weights': (number)[];
  'trim': (number);
  'rows': (number)[];
  'drop': (number);
}
