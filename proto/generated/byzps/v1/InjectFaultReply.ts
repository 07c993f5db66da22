// Original file: proto/byzps/v1/control.proto


export interface InjectFaultReply {
}

export interface InjectFaultReply__Output {
}
