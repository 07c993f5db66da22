// Original file: proto/byzps/v1/shard.proto


export interface ShardDescribeRequest {
}

export interface ShardDescribeRequest__Output {
}
