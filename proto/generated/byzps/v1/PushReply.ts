// Original file: proto/byzps/v1/parameter_server.proto


export interface PushReply {
  /**
   * Always true: a refused push ends with an error status instead of a reply.
   */
  'accepted'?: (boolean);
  /**
   * The round the gradient was accepted for.
   */
  'round'?: (number);
}

export interface PushReply__Output {
  /**
   * Always true: a refused push ends with an error status instead of a reply.
   */
  'accepted': (boolean);
  /**
   * The round the gradient was accepted for.
   */
  'round': (number);
}
