// Original file: proto/byzps/v1/shard.proto


export interface ShardStepReply {
  /**
   * "summary" or "applied".
   */
  'kind'?: (string);
  'rule'?: (string);
  'round'?: (number);
  'step'?: (number);
  'shard'?: (number);
  'start'?: (number);
  'end'?: (number);
  'n'?: (number);
  'hasGram'?: (boolean);
  'gram'?: (number | string)[];
  'hasAnchorDots'?: (boolean);
  'anchorDots'?: (number | string)[];
  'stateRound'?: (number);
  'hasKeptCounts'?: (boolean);
  'keptCounts'?: (number | string)[];
}

export interface ShardStepReply__Output {
  /**
   * "summary" or "applied".
   */
  'kind': (string);
  'rule': (string);
  'round': (number);
  'step': (number);
  'shard': (number);
  'start': (number);
  'end': (number);
  'n': (number);
  'hasGram': (boolean);
  'gram': (number)[];
  'hasAnchorDots': (boolean);
  'anchorDots': (number)[];
  'stateRound': (number);
  'hasKeptCounts': (boolean);
  'keptCounts': (number)[];
}
