// Original file: proto/byzps/v1/control.proto


export interface CheckpointRequest {
}

export interface CheckpointRequest__Output {
}
