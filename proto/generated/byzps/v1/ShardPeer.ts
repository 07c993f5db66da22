// Original file: proto/byzps/v1/shard.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { PushReport as _byzps_v1_PushReport, PushReport__Output as _byzps_v1_PushReport__Output } from '../../byzps/v1/PushReport.js';
import type { PushReportReply as _byzps_v1_PushReportReply, PushReportReply__Output as _byzps_v1_PushReportReply__Output } from '../../byzps/v1/PushReportReply.js';
import type { ShardStepReply as _byzps_v1_ShardStepReply, ShardStepReply__Output as _byzps_v1_ShardStepReply__Output } from '../../byzps/v1/ShardStepReply.js';
import type { ShardStepRequest as _byzps_v1_ShardStepRequest, ShardStepRequest__Output as _byzps_v1_ShardStepRequest__Output } from '../../byzps/v1/ShardStepRequest.js';

export interface ShardPeerClient extends grpc.Client {
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
   * Shard i > 0 → coordinator: worker `worker_name`'s push for `round` is complete on shard i (or was refused).
   */
  ReportPush: grpc.handleUnaryCall<_byzps_v1_PushReport__Output, _byzps_v1_PushReportReply>;
  
  /**
   * Coordinator → shard i > 0: one step of the round's sharded aggregation. Step 0 names the round's
   * members; the `apply` step ends the round on the shard, which steps θ of its range and opens round + 1.
   */
  Step: grpc.handleUnaryCall<_byzps_v1_ShardStepRequest__Output, _byzps_v1_ShardStepReply>;
  
}

export interface ShardPeerDefinition extends grpc.ServiceDefinition {
  ReportPush: MethodDefinition<_byzps_v1_PushReport, _byzps_v1_PushReportReply, _byzps_v1_PushReport__Output, _byzps_v1_PushReportReply__Output>
  Step: MethodDefinition<_byzps_v1_ShardStepRequest, _byzps_v1_ShardStepReply, _byzps_v1_ShardStepRequest__Output, _byzps_v1_ShardStepReply__Output>
}
