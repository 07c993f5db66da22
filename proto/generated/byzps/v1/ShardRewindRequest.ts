// Original file: proto/byzps/v1/shard.proto


export interface ShardRewindRequest {
  'round'?: (number);
}

export interface ShardRewindRequest__Output {
  'round': (number);
}
