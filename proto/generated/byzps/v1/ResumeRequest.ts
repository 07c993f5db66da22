// Original file: proto/byzps/v1/control.proto


export interface ResumeRequest {
}

export interface ResumeRequest__Output {
}
