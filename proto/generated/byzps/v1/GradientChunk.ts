// Original file: proto/byzps/v1/parameter_server.proto

import type { TensorEncoding as _byzps_v1_TensorEncoding, TensorEncoding__Output as _byzps_v1_TensorEncoding__Output } from '../../byzps/v1/TensorEncoding.js';

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
   * The values in `encoding`; at most JoinReply.max_chunk_bytes per chunk.
   */
  'data'?: (Buffer | Uint8Array | string);
  /**
   * How `data` encodes the values; the same for every chunk of one push (FLOAT32 when unset).
   */
  'encoding'?: (_byzps_v1_TensorEncoding);
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
   * The values in `encoding`; at most JoinReply.max_chunk_bytes per chunk.
   */
  'data': (Buffer);
  /**
   * How `data` encodes the values; the same for every chunk of one push (FLOAT32 when unset).
   */
  'encoding': (_byzps_v1_TensorEncoding__Output);
}
