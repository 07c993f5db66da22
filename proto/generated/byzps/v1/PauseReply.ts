// Original file: proto/byzps/v1/control.proto


export interface PauseReply {
  'round'?: (number);
}

export interface PauseReply__Output {
  'round': (number);
}
