// Original file: proto/byzps/v1/shard.proto


export interface ShardAnnouncementReply {
}

export interface ShardAnnouncementReply__Output {
}
