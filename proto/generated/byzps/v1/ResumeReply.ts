// Original file: proto/byzps/v1/control.proto


export interface ResumeReply {
  'round'?: (number);
}

export interface ResumeReply__Output {
  'round': (number);
}
