// Original file: proto/byzps/v1/parameter_server.proto


/**
 * One slice of a worker's gradient for one round. All chunks of one Push carry the same worker id and
 * round; together they cover [0, dimension) exactly once.
 */
export interface GradientChunk {
  'workerId'?: (number);
  'round'?: (number);
  /**
   * Index of the first coordinate in this chunk.
   */
  'offset'?: (number);
  /**
   * Little-endian float32 values; at most JoinReply.max_chunk_bytes per chunk.
   */
  'data'?: (Buffer | Uint8Array | string);
}

/**
 * One slice of a worker's gradient for one round. All chunks of one Push carry the same worker id and
 * round; together they cover [0, dimension) exactly once.
 */
export interface GradientChunk__Output {
  'workerId': (number);
  'round': (number);
  /**
   * Index of the first coordinate in this chunk.
   */
  'offset': (number);
  /**
   * Little-endian float32 values; at most JoinReply.max_chunk_bytes per chunk.
   */
  'data': (Buffer);
}
