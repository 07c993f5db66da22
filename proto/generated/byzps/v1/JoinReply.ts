// Original file: proto/byzps/v1/parameter_server.proto


export interface JoinReply {
  'workerId'?: (number);
  /**
   * The task the server trains (e.g. "synthetic"), so the worker can check it computes the right gradient.
   */
  'task'?: (string);
  /**
   * Number of float32 coordinates in θ and in every gradient.
   */
  'dimension'?: (number);
  /**
   * The round currently open for pushes.
   */
  'round'?: (number);
  /**
   * Largest gradient chunk the server accepts, in bytes; larger ones fail with RESOURCE_EXHAUSTED.
   */
  'maxChunkBytes'?: (number);
}

export interface JoinReply__Output {
  'workerId': (number);
  /**
   * The task the server trains (e.g. "synthetic"), so the worker can check it computes the right gradient.
   */
  'task': (string);
  /**
   * Number of float32 coordinates in θ and in every gradient.
   */
  'dimension': (number);
  /**
   * The round currently open for pushes.
   */
  'round': (number);
  /**
   * Largest gradient chunk the server accepts, in bytes; larger ones fail with RESOURCE_EXHAUSTED.
   */
  'maxChunkBytes': (number);
}
