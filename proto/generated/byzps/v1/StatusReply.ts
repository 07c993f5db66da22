// Original file: proto/byzps/v1/control.proto

import type { WorkerStatus as _byzps_v1_WorkerStatus, WorkerStatus__Output as _byzps_v1_WorkerStatus__Output } from '../../byzps/v1/WorkerStatus.js';
import type { ShardInfo as _byzps_v1_ShardInfo, ShardInfo__Output as _byzps_v1_ShardInfo__Output } from '../../byzps/v1/ShardInfo.js';

export interface StatusReply {
  'round'?: (number);
  'rule'?: (string);
  'byzantineBound'?: (number);
  'dimension'?: (number);
  'task'?: (string);
  'paused'?: (boolean);
  /**
   * Gradients in for the open round, and how many the round needs before its deadline may close it.
   */
  'gradientsReceived'?: (number);
  'quorum'?: (number);
  'workers'?: (_byzps_v1_WorkerStatus)[];
  /**
   * Workers the open round waits for.
   */
  'awaited'?: (number);
  /**
   * A sharded server's shards, as JoinReply.shards lists them (empty when unsharded), and which one
   * answered; shard 0 coordinates the rounds, and its round, quorum and workers are the cluster's.
   */
  'shards'?: (_byzps_v1_ShardInfo)[];
  'shardIndex'?: (number);
}

export interface StatusReply__Output {
  'round': (number);
  'rule': (string);
  'byzantineBound': (number);
  'dimension': (number);
  'task': (string);
  'paused': (boolean);
  /**
   * Gradients in for the open round, and how many the round needs before its deadline may close it.
   */
  'gradientsReceived': (number);
  'quorum': (number);
  'workers': (_byzps_v1_WorkerStatus__Output)[];
  /**
   * Workers the open round waits for.
   */
  'awaited': (number);
  /**
   * A sharded server's shards, as JoinReply.shards lists them (empty when unsharded), and which one
   * answered; shard 0 coordinates the rounds, and its round, quorum and workers are the cluster's.
   */
  'shards': (_byzps_v1_ShardInfo__Output)[];
  'shardIndex': (number);
}
