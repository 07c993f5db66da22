// Original file: proto/byzps/v1/shard.proto


export interface PushReportReply {
}

export interface PushReportReply__Output {
}
