// Original file: proto/byzps/v1/shard.proto


export interface ShardAnnouncement {
  'shard'?: (number);
}

export interface ShardAnnouncement__Output {
  'shard': (number);
}
