// Original file: proto/byzps/v1/shard.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { PushReport as _byzps_v1_PushReport, PushReport__Output as _byzps_v1_PushReport__Output } from '../../byzps/v1/PushReport.js';
import type { PushReportReply as _byzps_v1_PushReportReply, PushReportReply__Output as _byzps_v1_PushReportReply__Output } from '../../byzps/v1/PushReportReply.js';
import type { ShardAnnouncement as _byzps_v1_ShardAnnouncement, ShardAnnouncement__Output as _byzps_v1_ShardAnnouncement__Output } from '../../byzps/v1/ShardAnnouncement.js';
import type { ShardAnnouncementReply as _byzps_v1_ShardAnnouncementReply, ShardAnnouncementReply__Output as _byzps_v1_ShardAnnouncementReply__Output } from '../../byzps/v1/ShardAnnouncementReply.js';
import type { ShardDescribeRequest as _byzps_v1_ShardDescribeRequest, ShardDescribeRequest__Output as _byzps_v1_ShardDescribeRequest__Output } from '../../byzps/v1/ShardDescribeRequest.js';
import type { ShardRewindRequest as _byzps_v1_ShardRewindRequest, ShardRewindRequest__Output as _byzps_v1_ShardRewindRequest__Output } from '../../byzps/v1/ShardRewindRequest.js';
import type { ShardState as _byzps_v1_ShardState, ShardState__Output as _byzps_v1_ShardState__Output } from '../../byzps/v1/ShardState.js';
import type { ShardStepReply as _byzps_v1_ShardStepReply, ShardStepReply__Output as _byzps_v1_ShardStepReply__Output } from '../../byzps/v1/ShardStepReply.js';
import type { ShardStepRequest as _byzps_v1_ShardStepRequest, ShardStepRequest__Output as _byzps_v1_ShardStepRequest__Output } from '../../byzps/v1/ShardStepRequest.js';

export interface ShardPeerClient extends grpc.Client {
  /**
   * Shard i > 0 → coordinator, as shard i starts: the coordinator brings every shard to one round
   * again (docs/PROTOCOL.md §10, "Recovery").
   */
  Announce(argument: _byzps_v1_ShardAnnouncement, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_byzps_v1_ShardAnnouncementReply__Output>): grpc.ClientUnaryCall;
  Announce(argument: _byzps_v1_ShardAnnouncement, metadata: grpc.Metadata, callback: grpc.requestCallback<_byzps_v1_ShardAnnouncementReply__Output>): grpc.ClientUnaryCall;
  Announce(argument: _byzps_v1_ShardAnnouncement, options: grpc.CallOptions, callback: grpc.requestCallback<_byzps_v1_ShardAnnouncementReply__Output>): grpc.ClientUnaryCall;
  Announce(argument: _byzps_v1_ShardAnnouncement, callback: grpc.requestCallback<_byzps_v1_ShardAnnouncementReply__Output>): grpc.ClientUnaryCall;
  /**
   * Shard i > 0 → coordinator, as shard i starts: the coordinator brings every shard to one round
   * again (docs/PROTOCOL.md §10, "Recovery").
   */
  announce(argument: _byzps_v1_ShardAnnouncement, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_byzps_v1_ShardAnnouncementReply__Output>): grpc.ClientUnaryCall;
  announce(argument: _byzps_v1_ShardAnnouncement, metadata: grpc.Metadata, callback: grpc.requestCallback<_byzps_v1_ShardAnnouncementReply__Output>): grpc.ClientUnaryCall;
  announce(argument: _byzps_v1_ShardAnnouncement, options: grpc.CallOptions, callback: grpc.requestCallback<_byzps_v1_ShardAnnouncementReply__Output>): grpc.ClientUnaryCall;
  announce(argument: _byzps_v1_ShardAnnouncement, callback: grpc.requestCallback<_byzps_v1_ShardAnnouncementReply__Output>): grpc.ClientUnaryCall;
  
  /**
   * Coordinator → shard i > 0: its open round and the rounds it holds checkpoints of.
   */
  Describe(argument: _byzps_v1_ShardDescribeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_byzps_v1_ShardState__Output>): grpc.ClientUnaryCall;
  Describe(argument: _byzps_v1_ShardDescribeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_byzps_v1_ShardState__Output>): grpc.ClientUnaryCall;
  Describe(argument: _byzps_v1_ShardDescribeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_byzps_v1_ShardState__Output>): grpc.ClientUnaryCall;
  Describe(argument: _byzps_v1_ShardDescribeRequest, callback: grpc.requestCallback<_byzps_v1_ShardState__Output>): grpc.ClientUnaryCall;
  /**
   * Coordinator → shard i > 0: its open round and the rounds it holds checkpoints of.
   */
  describe(argument: _byzps_v1_ShardDescribeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_byzps_v1_ShardState__Output>): grpc.ClientUnaryCall;
  describe(argument: _byzps_v1_ShardDescribeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_byzps_v1_ShardState__Output>): grpc.ClientUnaryCall;
  describe(argument: _byzps_v1_ShardDescribeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_byzps_v1_ShardState__Output>): grpc.ClientUnaryCall;
  describe(argument: _byzps_v1_ShardDescribeRequest, callback: grpc.requestCallback<_byzps_v1_ShardState__Output>): grpc.ClientUnaryCall;
  
  /**
   * Shard i > 0 → coordinator: worker `worker_name`'s push for `round` is complete on shard i (or was refused).
   */
  ReportPush(argument: _byzps_v1_PushReport, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_byzps_v1_PushReportReply__Output>): grpc.ClientUnaryCall;
  ReportPush(argument: _byzps_v1_PushReport, metadata: grpc.Metadata, callback: grpc.requestCallback<_byzps_v1_PushReportReply__Output>): grpc.ClientUnaryCall;
  ReportPush(argument: _byzps_v1_PushReport, options: grpc.CallOptions, callback: grpc.requestCallback<_byzps_v1_PushReportReply__Output>): grpc.ClientUnaryCall;
  ReportPush(argument: _byzps_v1_PushReport, callback: grpc.requestCallback<_byzps_v1_PushReportReply__Output>): grpc.ClientUnaryCall;
  /**
   * Shard i > 0 → coordinator: worker `worker_name`'s push for `round` is complete on shard i (or was refused).
   */
  reportPush(argument: _byzps_v1_PushReport, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_byzps_v1_PushReportReply__Output>): grpc.ClientUnaryCall;
  reportPush(argument: _byzps_v1_PushReport, metadata: grpc.Metadata, callback: grpc.requestCallback<_byzps_v1_PushReportReply__Output>): grpc.ClientUnaryCall;
  reportPush(argument: _byzps_v1_PushReport, options: grpc.CallOptions, callback: grpc.requestCallback<_byzps_v1_PushReportReply__Output>): grpc.ClientUnaryCall;
  reportPush(argument: _byzps_v1_PushReport, callback: grpc.requestCallback<_byzps_v1_PushReportReply__Output>): grpc.ClientUnaryCall;
  
  /**
   * Coordinator → shard i > 0: abandon what the open round holds and open `round`, from this shard's
   * checkpoint of it unless it is the open round already.
   */
  Rewind(argument: _byzps_v1_ShardRewindRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_byzps_v1_ShardState__Output>): grpc.ClientUnaryCall;
  Rewind(argument: _byzps_v1_ShardRewindRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_byzps_v1_ShardState__Output>): grpc.ClientUnaryCall;
  Rewind(argument: _byzps_v1_ShardRewindRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_byzps_v1_ShardState__Output>): grpc.ClientUnaryCall;
  Rewind(argument: _byzps_v1_ShardRewindRequest, callback: grpc.requestCallback<_byzps_v1_ShardState__Output>): grpc.ClientUnaryCall;
  /**
   * Coordinator → shard i > 0: abandon what the open round holds and open `round`, from this shard's
   * checkpoint of it unless it is the open round already.
   */
  rewind(argument: _byzps_v1_ShardRewindRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_byzps_v1_ShardState__Output>): grpc.ClientUnaryCall;
  rewind(argument: _byzps_v1_ShardRewindRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_byzps_v1_ShardState__Output>): grpc.ClientUnaryCall;
  rewind(argument: _byzps_v1_ShardRewindRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_byzps_v1_ShardState__Output>): grpc.ClientUnaryCall;
  rewind(argument: _byzps_v1_ShardRewindRequest, callback: grpc.requestCallback<_byzps_v1_ShardState__Output>): grpc.ClientUnaryCall;
  
  /**
   * Coordinator → shard i > 0: one step of the round's sharded aggregation. Step 0 names the round's
   * members; the `apply` step ends the round on the shard, which steps θ of its range and opens round + 1.
   */
  Step(argument: _byzps_v1_ShardStepRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_byzps_v1_ShardStepReply__Output>): grpc.ClientUnaryCall;
  Step(argument: _byzps_v1_ShardStepRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_byzps_v1_ShardStepReply__Output>): grpc.ClientUnaryCall;
  Step(argument: _byzps_v1_ShardStepRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_byzps_v1_ShardStepReply__Output>): grpc.ClientUnaryCall;
  Step(argument: _byzps_v1_ShardStepRequest, callback: grpc.requestCallback<_byzps_v1_ShardStepReply__Output>): grpc.ClientUnaryCall;
  /**
   * Coordinator → shard i > 0: one step of the round's sharded aggregation. Step 0 names the round's
   * members; the `apply` step ends the round on the shard, which steps θ of its range and opens round + 1.
   */
  step(argument: _byzps_v1_ShardStepRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_byzps_v1_ShardStepReply__Output>): grpc.ClientUnaryCall;
  step(argument: _byzps_v1_ShardStepRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_byzps_v1_ShardStepReply__Output>): grpc.ClientUnaryCall;
  step(argument: _byzps_v1_ShardStepRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_byzps_v1_ShardStepReply__Output>): grpc.ClientUnaryCall;
  step(argument: _byzps_v1_ShardStepRequest, callback: grpc.requestCallback<_byzps_v1_ShardStepReply__Output>): grpc.ClientUnaryCall;
  
}

export interface ShardPeerHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Shard i > 0 → coordinator, as shard i starts: the coordinator brings every shard to one round
   * again (docs/PROTOCOL.md §10, "Recovery").
   */
  Announce: grpc.handleUnaryCall<_byzps_v1_ShardAnnouncement__Output, _byzps_v1_ShardAnnouncementReply>;
  
  /**
   * Coordinator → shard i > 0: its open round and the rounds it holds checkpoints of.
   */
  Describe: grpc.handleUnaryCall<_byzps_v1_ShardDescribeRequest__Output, _byzps_v1_ShardState>;
  
  /**
   * Shard i > 0 → coordinator: worker `worker_name`'s push for `round` is complete on shard i (or was refused).
   */
  ReportPush: grpc.handleUnaryCall<_byzps_v1_PushReport__Output, _byzps_v1_PushReportReply>;
  
  /**
   * Coordinator → shard i > 0: abandon what the open round holds and open `round`, from this shard's
   * checkpoint of it unless it is the open round already.
   */
  Rewind: grpc.handleUnaryCall<_byzps_v1_ShardRewindRequest__Output, _byzps_v1_ShardState>;
  
  /**
   * Coordinator → shard i > 0: one step of the round's sharded aggregation. Step 0 names the round's
   * members; the `apply` step ends the round on the shard, which steps θ of its range and opens round + 1.
   */
  Step: grpc.handleUnaryCall<_byzps_v1_ShardStepRequest__Output, _byzps_v1_ShardStepReply>;
  
}

export interface ShardPeerDefinition extends grpc.ServiceDefinition {
  Announce: MethodDefinition<_byzps_v1_ShardAnnouncement, _byzps_v1_ShardAnnouncementReply, _byzps_v1_ShardAnnouncement__Output, _byzps_v1_ShardAnnouncementReply__Output>
  Describe: MethodDefinition<_byzps_v1_ShardDescribeRequest, _byzps_v1_ShardState, _byzps_v1_ShardDescribeRequest__Output, _byzps_v1_ShardState__Output>
  ReportPush: MethodDefinition<_byzps_v1_PushReport, _byzps_v1_PushReportReply, _byzps_v1_PushReport__Output, _byzps_v1_PushReportReply__Output>
  Rewind: MethodDefinition<_byzps_v1_ShardRewindRequest, _byzps_v1_ShardState, _byzps_v1_ShardRewindRequest__Output, _byzps_v1_ShardState__Output>
  Step: MethodDefinition<_byzps_v1_ShardStepRequest, _byzps_v1_ShardStepReply, _byzps_v1_ShardStepRequest__Output, _byzps_v1_ShardStepReply__Output>
}
