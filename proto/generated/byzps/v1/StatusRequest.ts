// Original file: proto/byzps/v1/control.proto


export interface StatusRequest {
}

export interface StatusRequest__Output {
}
