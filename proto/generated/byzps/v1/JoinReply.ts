// Original file: proto/byzps/v1/parameter_server.proto

import type { TensorEncoding as _byzps_v1_TensorEncoding, TensorEncoding__Output as _byzps_v1_TensorEncoding__Output } from '../../byzps/v1/TensorEncoding.js';
import type { ShardInfo as _byzps_v1_ShardInfo, ShardInfo__Output as _byzps_v1_ShardInfo__Output } from '../../byzps/v1/ShardInfo.js';

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
   * The round currently open for pushes; rounds count from 0.
   */
  'round'?: (number);
  /**
   * Largest gradient chunk the server accepts, in bytes; larger ones fail with RESOURCE_EXHAUSTED.
   */
  'maxChunkBytes'?: (number);
  /**
   * Longest a Pull or Observe waits for its min_round before ending with DEADLINE_EXCEEDED.
   */
  'pullWaitMs'?: (number);
  /**
   * The encodings Push accepts for gradient values.
   */
  'gradientEncodings'?: (_byzps_v1_TensorEncoding)[];
  /**
   * Empty for an unsharded server. For a sharded one (docs/PROTOCOL.md §10): every shard in index
   * order, the coordinates it owns and where it listens. The worker joins every shard under the same
   * name, and pushes and pulls each shard's range [start, end) to and from that shard only.
   */
  'shards'?: (_byzps_v1_ShardInfo)[];
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
   * The round currently open for pushes; rounds count from 0.
   */
  'round': (number);
  /**
   * Largest gradient chunk the server accepts, in bytes; larger ones fail with RESOURCE_EXHAUSTED.
   */
  'maxChunkBytes': (number);
  /**
   * Longest a Pull or Observe waits for its min_round before ending with DEADLINE_EXCEEDED.
   */
  'pullWaitMs': (number);
  /**
   * The encodings Push accepts for gradient values.
   */
  'gradientEncodings': (_byzps_v1_TensorEncoding__Output)[];
  /**
   * Empty for an unsharded server. For a sharded one (docs/PROTOCOL.md §10): every shard in index
   * order, the coordinates it owns and where it listens. The worker joins every shard under the same
   * name, and pushes and pulls each shard's range [start, end) to and from that shard only.
   */
  'shards': (_byzps_v1_ShardInfo__Output)[];
}
