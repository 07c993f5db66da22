// Original file: proto/byzps/v1/parameter_server.proto

import type { FaultInstruction as _byzps_v1_FaultInstruction, FaultInstruction__Output as _byzps_v1_FaultInstruction__Output } from '../../byzps/v1/FaultInstruction.js';

/**
 * One slice of θ_r: coordinates [offset, offset + len(data)/4). The chunks of one stream may arrive
 * in any order and together cover [0, dimension) exactly once.
 */
export interface ModelChunk {
  /**
   * The round θ belongs to: the round open when the stream started, the one to push for.
   */
  'round'?: (number);
  /**
   * Index of the first coordinate in this chunk.
   */
  'offset'?: (number);
  /**
   * Little-endian float32 values.
   */
  'data'?: (Buffer | Uint8Array | string);
  'dimension'?: (number);
  /**
   * Faults an operator injected for this worker; sent once, in the first chunk.
   */
  'faults'?: (_byzps_v1_FaultInstruction)[];
}

/**
 * One slice of θ_r: coordinates [offset, offset + len(data)/4). The chunks of one stream may arrive
 * in any order and together cover [0, dimension) exactly once.
 */
export interface ModelChunk__Output {
  /**
   * The round θ belongs to: the round open when the stream started, the one to push for.
   */
  'round': (number);
  /**
   * Index of the first coordinate in this chunk.
   */
  'offset': (number);
  /**
   * Little-endian float32 values.
   */
  'data': (Buffer);
  'dimension': (number);
  /**
   * Faults an operator injected for this worker; sent once, in the first chunk.
   */
  'faults': (_byzps_v1_FaultInstruction__Output)[];
}
