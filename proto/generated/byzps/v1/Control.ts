// Original file: proto/byzps/v1/control.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { CheckpointReply as _byzps_v1_CheckpointReply, CheckpointReply__Output as _byzps_v1_CheckpointReply__Output } from '../../byzps/v1/CheckpointReply.js';
import type { CheckpointRequest as _byzps_v1_CheckpointRequest, CheckpointRequest__Output as _byzps_v1_CheckpointRequest__Output } from '../../byzps/v1/CheckpointRequest.js';
import type { InjectFaultReply as _byzps_v1_InjectFaultReply, InjectFaultReply__Output as _byzps_v1_InjectFaultReply__Output } from '../../byzps/v1/InjectFaultReply.js';
import type { InjectFaultRequest as _byzps_v1_InjectFaultRequest, InjectFaultRequest__Output as _byzps_v1_InjectFaultRequest__Output } from '../../byzps/v1/InjectFaultRequest.js';
import type { PauseReply as _byzps_v1_PauseReply, PauseReply__Output as _byzps_v1_PauseReply__Output } from '../../byzps/v1/PauseReply.js';
import type { PauseRequest as _byzps_v1_PauseRequest, PauseRequest__Output as _byzps_v1_PauseRequest__Output } from '../../byzps/v1/PauseRequest.js';
import type { ResumeReply as _byzps_v1_ResumeReply, ResumeReply__Output as _byzps_v1_ResumeReply__Output } from '../../byzps/v1/ResumeReply.js';
import type { ResumeRequest as _byzps_v1_ResumeRequest, ResumeRequest__Output as _byzps_v1_ResumeRequest__Output } from '../../byzps/v1/ResumeRequest.js';
import type { SetRuleReply as _byzps_v1_SetRuleReply, SetRuleReply__Output as _byzps_v1_SetRuleReply__Output } from '../../byzps/v1/SetRuleReply.js';
import type { SetRuleRequest as _byzps_v1_SetRuleRequest, SetRuleRequest__Output as _byzps_v1_SetRuleRequest__Output } from '../../byzps/v1/SetRuleRequest.js';
import type { StatusReply as _byzps_v1_StatusReply, StatusReply__Output as _byzps_v1_StatusReply__Output } from '../../byzps/v1/StatusReply.js';
import type { StatusRequest as _byzps_v1_StatusRequest, StatusRequest__Output as _byzps_v1_StatusRequest__Output } from '../../byzps/v1/StatusRequest.js';

export interface ControlClient extends grpc.Client {
  /**
   * Writes a checkpoint now.
   */
  Checkpoint(argument: _byzps_v1_CheckpointRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_byzps_v1_CheckpointReply__Output>): grpc.ClientUnaryCall;
  Checkpoint(argument: _byzps_v1_CheckpointRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_byzps_v1_CheckpointReply__Output>): grpc.ClientUnaryCall;
  Checkpoint(argument: _byzps_v1_CheckpointRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_byzps_v1_CheckpointReply__Output>): grpc.ClientUnaryCall;
  Checkpoint(argument: _byzps_v1_CheckpointRequest, callback: grpc.requestCallback<_byzps_v1_CheckpointReply__Output>): grpc.ClientUnaryCall;
  /**
   * Writes a checkpoint now.
   */
  checkpoint(argument: _byzps_v1_CheckpointRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_byzps_v1_CheckpointReply__Output>): grpc.ClientUnaryCall;
  checkpoint(argument: _byzps_v1_CheckpointRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_byzps_v1_CheckpointReply__Output>): grpc.ClientUnaryCall;
  checkpoint(argument: _byzps_v1_CheckpointRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_byzps_v1_CheckpointReply__Output>): grpc.ClientUnaryCall;
  checkpoint(argument: _byzps_v1_CheckpointRequest, callback: grpc.requestCallback<_byzps_v1_CheckpointReply__Output>): grpc.ClientUnaryCall;
  
  /**
   * Queues a fault for a named worker, delivered with its next Pull.
   */
  InjectFault(argument: _byzps_v1_InjectFaultRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_byzps_v1_InjectFaultReply__Output>): grpc.ClientUnaryCall;
  InjectFault(argument: _byzps_v1_InjectFaultRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_byzps_v1_InjectFaultReply__Output>): grpc.ClientUnaryCall;
  InjectFault(argument: _byzps_v1_InjectFaultRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_byzps_v1_InjectFaultReply__Output>): grpc.ClientUnaryCall;
  InjectFault(argument: _byzps_v1_InjectFaultRequest, callback: grpc.requestCallback<_byzps_v1_InjectFaultReply__Output>): grpc.ClientUnaryCall;
  /**
   * Queues a fault for a named worker, delivered with its next Pull.
   */
  injectFault(argument: _byzps_v1_InjectFaultRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_byzps_v1_InjectFaultReply__Output>): grpc.ClientUnaryCall;
  injectFault(argument: _byzps_v1_InjectFaultRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_byzps_v1_InjectFaultReply__Output>): grpc.ClientUnaryCall;
  injectFault(argument: _byzps_v1_InjectFaultRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_byzps_v1_InjectFaultReply__Output>): grpc.ClientUnaryCall;
  injectFault(argument: _byzps_v1_InjectFaultRequest, callback: grpc.requestCallback<_byzps_v1_InjectFaultReply__Output>): grpc.ClientUnaryCall;
  
  /**
   * Stops closing rounds until Resume; pushes for the open round are still accepted.
   */
  Pause(argument: _byzps_v1_PauseRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_byzps_v1_PauseReply__Output>): grpc.ClientUnaryCall;
  Pause(argument: _byzps_v1_PauseRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_byzps_v1_PauseReply__Output>): grpc.ClientUnaryCall;
  Pause(argument: _byzps_v1_PauseRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_byzps_v1_PauseReply__Output>): grpc.ClientUnaryCall;
  Pause(argument: _byzps_v1_PauseRequest, callback: grpc.requestCallback<_byzps_v1_PauseReply__Output>): grpc.ClientUnaryCall;
  /**
   * Stops closing rounds until Resume; pushes for the open round are still accepted.
   */
  pause(argument: _byzps_v1_PauseRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_byzps_v1_PauseReply__Output>): grpc.ClientUnaryCall;
  pause(argument: _byzps_v1_PauseRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_byzps_v1_PauseReply__Output>): grpc.ClientUnaryCall;
  pause(argument: _byzps_v1_PauseRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_byzps_v1_PauseReply__Output>): grpc.ClientUnaryCall;
  pause(argument: _byzps_v1_PauseRequest, callback: grpc.requestCallback<_byzps_v1_PauseReply__Output>): grpc.ClientUnaryCall;
  
  Resume(argument: _byzps_v1_ResumeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_byzps_v1_ResumeReply__Output>): grpc.ClientUnaryCall;
  Resume(argument: _byzps_v1_ResumeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_byzps_v1_ResumeReply__Output>): grpc.ClientUnaryCall;
  Resume(argument: _byzps_v1_ResumeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_byzps_v1_ResumeReply__Output>): grpc.ClientUnaryCall;
  Resume(argument: _byzps_v1_ResumeRequest, callback: grpc.requestCallback<_byzps_v1_ResumeReply__Output>): grpc.ClientUnaryCall;
  resume(argument: _byzps_v1_ResumeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_byzps_v1_ResumeReply__Output>): grpc.ClientUnaryCall;
  resume(argument: _byzps_v1_ResumeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_byzps_v1_ResumeReply__Output>): grpc.ClientUnaryCall;
  resume(argument: _byzps_v1_ResumeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_byzps_v1_ResumeReply__Output>): grpc.ClientUnaryCall;
  resume(argument: _byzps_v1_ResumeRequest, callback: grpc.requestCallback<_byzps_v1_ResumeReply__Output>): grpc.ClientUnaryCall;
  
  /**
   * Replaces the aggregation rule from the next round on.
   */
  SetRule(argument: _byzps_v1_SetRuleRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_byzps_v1_SetRuleReply__Output>): grpc.ClientUnaryCall;
  SetRule(argument: _byzps_v1_SetRuleRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_byzps_v1_SetRuleReply__Output>): grpc.ClientUnaryCall;
  SetRule(argument: _byzps_v1_SetRuleRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_byzps_v1_SetRuleReply__Output>): grpc.ClientUnaryCall;
  SetRule(argument: _byzps_v1_SetRuleRequest, callback: grpc.requestCallback<_byzps_v1_SetRuleReply__Output>): grpc.ClientUnaryCall;
  /**
   * Replaces the aggregation rule from the next round on.
   */
  setRule(argument: _byzps_v1_SetRuleRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_byzps_v1_SetRuleReply__Output>): grpc.ClientUnaryCall;
  setRule(argument: _byzps_v1_SetRuleRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_byzps_v1_SetRuleReply__Output>): grpc.ClientUnaryCall;
  setRule(argument: _byzps_v1_SetRuleRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_byzps_v1_SetRuleReply__Output>): grpc.ClientUnaryCall;
  setRule(argument: _byzps_v1_SetRuleRequest, callback: grpc.requestCallback<_byzps_v1_SetRuleReply__Output>): grpc.ClientUnaryCall;
  
  /**
   * The server's round, rule, workers and whether it is paused.
   */
  Status(argument: _byzps_v1_StatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_byzps_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  Status(argument: _byzps_v1_StatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_byzps_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  Status(argument: _byzps_v1_StatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_byzps_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  Status(argument: _byzps_v1_StatusRequest, callback: grpc.requestCallback<_byzps_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  /**
   * The server's round, rule, workers and whether it is paused.
   */
  status(argument: _byzps_v1_StatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_byzps_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  status(argument: _byzps_v1_StatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_byzps_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  status(argument: _byzps_v1_StatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_byzps_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  status(argument: _byzps_v1_StatusRequest, callback: grpc.requestCallback<_byzps_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  
}

export interface ControlHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Writes a checkpoint now.
   */
  Checkpoint: grpc.handleUnaryCall<_byzps_v1_CheckpointRequest__Output, _byzps_v1_CheckpointReply>;
  
  /**
   * Queues a fault for a named worker, delivered with its next Pull.
   */
  InjectFault: grpc.handleUnaryCall<_byzps_v1_InjectFaultRequest__Output, _byzps_v1_InjectFaultReply>;
  
  /**
   * Stops closing rounds until Resume; pushes for the open round are still accepted.
   */
  Pause: grpc.handleUnaryCall<_byzps_v1_PauseRequest__Output, _byzps_v1_PauseReply>;
  
  Resume: grpc.handleUnaryCall<_byzps_v1_ResumeRequest__Output, _byzps_v1_ResumeReply>;
  
  /**
   * Replaces the aggregation rule from the next round on.
   */
  SetRule: grpc.handleUnaryCall<_byzps_v1_SetRuleRequest__Output, _byzps_v1_SetRuleReply>;
  
  /**
   * The server's round, rule, workers and whether it is paused.
   */
  Status: grpc.handleUnaryCall<_byzps_v1_StatusRequest__Output, _byzps_v1_StatusReply>;
  
}

export interface ControlDefinition extends grpc.ServiceDefinition {
  Checkpoint: MethodDefinition<_byzps_v1_CheckpointRequest, _byzps_v1_CheckpointReply, _byzps_v1_CheckpointRequest__Output, _byzps_v1_CheckpointReply__Output>
  InjectFault: MethodDefinition<_byzps_v1_InjectFaultRequest, _byzps_v1_InjectFaultReply, _byzps_v1_InjectFaultRequest__Output, _byzps_v1_InjectFaultReply__Output>
  Pause: MethodDefinition<_byzps_v1_PauseRequest, _byzps_v1_PauseReply, _byzps_v1_PauseRequest__Output, _byzps_v1_PauseReply__Output>
  Resume: MethodDefinition<_byzps_v1_ResumeRequest, _byzps_v1_ResumeReply, _byzps_v1_ResumeRequest__Output, _byzps_v1_ResumeReply__Output>
  SetRule: MethodDefinition<_byzps_v1_SetRuleRequest, _byzps_v1_SetRuleReply, _byzps_v1_SetRuleRequest__Output, _byzps_v1_SetRuleReply__Output>
  Status: MethodDefinition<_byzps_v1_StatusRequest, _byzps_v1_StatusReply, _byzps_v1_StatusRequest__Output, _byzps_v1_StatusReply__Output>
}
