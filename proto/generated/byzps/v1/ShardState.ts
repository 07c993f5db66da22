// Original file: proto/byzps/v1/shard.proto


export interface ShardState {
  'shard'?: (number);
  /**
   * The round open for pushes (or being closed).
   */
  'round'?: (number);
  /**
   * Rounds this shard holds a readable checkpoint of, newest first.
   */
  'checkpointRounds'?: (number)[];
}

export interface ShardState__Output {
  'shard': (number);
  /**
   * The round open for pushes (or being closed).
   */
  'round': (number);
  /**
   * Rounds this shard holds a readable checkpoint of, newest first.
   */
  'checkpointRounds': (number)[];
}
