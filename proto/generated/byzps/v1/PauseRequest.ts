// Original file: proto/byzps/v1/control.proto


export interface PauseRequest {
}

export interface PauseRequest__Output {
}
