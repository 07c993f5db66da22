// Original file: proto/byzps/v1/parameter_server.proto


export interface PushReply {
  'accepted'?: (boolean);
  /**
   * The round the gradient was accepted for.
   */
  'round'?: (number);
}

export interface PushReply__Output {
  'accepted': (boolean);
  /**
   * The round the gradient was accepted for.
   */
  'round': (number);
}
