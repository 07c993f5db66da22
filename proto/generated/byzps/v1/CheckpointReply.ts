// Original file: proto/byzps/v1/control.proto


export interface CheckpointReply {
  'round'?: (number);
  'path'?: (string);
}

export interface CheckpointReply__Output {
  'round': (number);
  'path': (string);
}
