import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { CheckpointReply as _byzps_v1_CheckpointReply, CheckpointReply__Output as _byzps_v1_CheckpointReply__Output } from './byzps/v1/CheckpointReply.js';
import type { CheckpointRequest as _byzps_v1_CheckpointRequest, CheckpointRequest__Output as _byzps_v1_CheckpointRequest__Output } from './byzps/v1/CheckpointRequest.js';
import type { ControlClient as _byzps_v1_ControlClient, ControlDefinition as _byzps_v1_ControlDefinition } from './byzps/v1/Control.js';
import type { EvaluationReport as _byzps_v1_EvaluationReport, EvaluationReport__Output as _byzps_v1_EvaluationReport__Output } from './byzps/v1/EvaluationReport.js';
import type { EvaluationReportReply as _byzps_v1_EvaluationReportReply, EvaluationReportReply__Output as _byzps_v1_EvaluationReportReply__Output } from './byzps/v1/EvaluationReportReply.js';
import type { FaultInstruction as _byzps_v1_FaultInstruction, FaultInstruction__Output as _byzps_v1_FaultInstruction__Output } from './byzps/v1/FaultInstruction.js';
import type { GradientChunk as _byzps_v1_GradientChunk, GradientChunk__Output as _byzps_v1_GradientChunk__Output } from './byzps/v1/GradientChunk.js';
import type { InjectFaultReply as _byzps_v1_InjectFaultReply, InjectFaultReply__Output as _byzps_v1_InjectFaultReply__Output } from './byzps/v1/InjectFaultReply.js';
import type { InjectFaultRequest as _byzps_v1_InjectFaultRequest, InjectFaultRequest__Output as _byzps_v1_InjectFaultRequest__Output } from './byzps/v1/InjectFaultRequest.js';
import type { JoinReply as _byzps_v1_JoinReply, JoinReply__Output as _byzps_v1_JoinReply__Output } from './byzps/v1/JoinReply.js';
import type { JoinRequest as _byzps_v1_JoinRequest, JoinRequest__Output as _byzps_v1_JoinRequest__Output } from './byzps/v1/JoinRequest.js';
import type { ModelChunk as _byzps_v1_ModelChunk, ModelChunk__Output as _byzps_v1_ModelChunk__Output } from './byzps/v1/ModelChunk.js';
import type { ObserveRequest as _byzps_v1_ObserveRequest, ObserveRequest__Output as _byzps_v1_ObserveRequest__Output } from './byzps/v1/ObserveRequest.js';
import type { ParameterServerClient as _byzps_v1_ParameterServerClient, ParameterServerDefinition as _byzps_v1_ParameterServerDefinition } from './byzps/v1/ParameterServer.js';
import type { PauseReply as _byzps_v1_PauseReply, PauseReply__Output as _byzps_v1_PauseReply__Output } from './byzps/v1/PauseReply.js';
import type { PauseRequest as _byzps_v1_PauseRequest, PauseRequest__Output as _byzps_v1_PauseRequest__Output } from './byzps/v1/PauseRequest.js';
import type { PreAggregatorSpec as _byzps_v1_PreAggregatorSpec, PreAggregatorSpec__Output as _byzps_v1_PreAggregatorSpec__Output } from './byzps/v1/PreAggregatorSpec.js';
import type { PullRequest as _byzps_v1_PullRequest, PullRequest__Output as _byzps_v1_PullRequest__Output } from './byzps/v1/PullRequest.js';
import type { PushReply as _byzps_v1_PushReply, PushReply__Output as _byzps_v1_PushReply__Output } from './byzps/v1/PushReply.js';
import type { ResumeReply as _byzps_v1_ResumeReply, ResumeReply__Output as _byzps_v1_ResumeReply__Output } from './byzps/v1/ResumeReply.js';
import type { ResumeRequest as _byzps_v1_ResumeRequest, ResumeRequest__Output as _byzps_v1_ResumeRequest__Output } from './byzps/v1/ResumeRequest.js';
import type { RuleSpec as _byzps_v1_RuleSpec, RuleSpec__Output as _byzps_v1_RuleSpec__Output } from './byzps/v1/RuleSpec.js';
import type { SetRuleReply as _byzps_v1_SetRuleReply, SetRuleReply__Output as _byzps_v1_SetRuleReply__Output } from './byzps/v1/SetRuleReply.js';
import type { SetRuleRequest as _byzps_v1_SetRuleRequest, SetRuleRequest__Output as _byzps_v1_SetRuleRequest__Output } from './byzps/v1/SetRuleRequest.js';
import type { ShardInfo as _byzps_v1_ShardInfo, ShardInfo__Output as _byzps_v1_ShardInfo__Output } from './byzps/v1/ShardInfo.js';
import type { StatusReply as _byzps_v1_StatusReply, StatusReply__Output as _byzps_v1_StatusReply__Output } from './byzps/v1/StatusReply.js';
import type { StatusRequest as _byzps_v1_StatusRequest, StatusRequest__Output as _byzps_v1_StatusRequest__Output } from './byzps/v1/StatusRequest.js';
import type { WorkerStatus as _byzps_v1_WorkerStatus, WorkerStatus__Output as _byzps_v1_WorkerStatus__Output } from './byzps/v1/WorkerStatus.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  byzps: {
    v1: {
      CheckpointReply: MessageTypeDefinition<_byzps_v1_CheckpointReply, _byzps_v1_CheckpointReply__Output>
      CheckpointRequest: MessageTypeDefinition<_byzps_v1_CheckpointRequest, _byzps_v1_CheckpointRequest__Output>
      Control: SubtypeConstructor<typeof grpc.Client, _byzps_v1_ControlClient> & { service: _byzps_v1_ControlDefinition }
      EvaluationReport: MessageTypeDefinition<_byzps_v1_EvaluationReport, _byzps_v1_EvaluationReport__Output>
      EvaluationReportReply: MessageTypeDefinition<_byzps_v1_EvaluationReportReply, _byzps_v1_EvaluationReportReply__Output>
      FaultInstruction: MessageTypeDefinition<_byzps_v1_FaultInstruction, _byzps_v1_FaultInstruction__Output>
      GradientChunk: MessageTypeDefinition<_byzps_v1_GradientChunk, _byzps_v1_GradientChunk__Output>
      InjectFaultReply: MessageTypeDefinition<_byzps_v1_InjectFaultReply, _byzps_v1_InjectFaultReply__Output>
      InjectFaultRequest: MessageTypeDefinition<_byzps_v1_InjectFaultRequest, _byzps_v1_InjectFaultRequest__Output>
      JoinReply: MessageTypeDefinition<_byzps_v1_JoinReply, _byzps_v1_JoinReply__Output>
      JoinRequest: MessageTypeDefinition<_byzps_v1_JoinRequest, _byzps_v1_JoinRequest__Output>
      ModelChunk: MessageTypeDefinition<_byzps_v1_ModelChunk, _byzps_v1_ModelChunk__Output>
      ObserveRequest: MessageTypeDefinition<_byzps_v1_ObserveRequest, _byzps_v1_ObserveRequest__Output>
      /**
       * A worker joins once, then repeats: Pull θ_r of the open round r, compute a gradient, Push it for
       * round r, Pull with min_round = r + 1. Tensors travel as little-endian float32 `bytes` in chunks.
       */
      ParameterServer: SubtypeConstructor<typeof grpc.Client, _byzps_v1_ParameterServerClient> & { service: _byzps_v1_ParameterServerDefinition }
      PauseReply: MessageTypeDefinition<_byzps_v1_PauseReply, _byzps_v1_PauseReply__Output>
      PauseRequest: MessageTypeDefinition<_byzps_v1_PauseRequest, _byzps_v1_PauseRequest__Output>
      PreAggregatorSpec: MessageTypeDefinition<_byzps_v1_PreAggregatorSpec, _byzps_v1_PreAggregatorSpec__Output>
      PullRequest: MessageTypeDefinition<_byzps_v1_PullRequest, _byzps_v1_PullRequest__Output>
      PushReply: MessageTypeDefinition<_byzps_v1_PushReply, _byzps_v1_PushReply__Output>
      ResumeReply: MessageTypeDefinition<_byzps_v1_ResumeReply, _byzps_v1_ResumeReply__Output>
      ResumeRequest: MessageTypeDefinition<_byzps_v1_ResumeRequest, _byzps_v1_ResumeRequest__Output>
      RuleSpec: MessageTypeDefinition<_byzps_v1_RuleSpec, _byzps_v1_RuleSpec__Output>
      SetRuleReply: MessageTypeDefinition<_byzps_v1_SetRuleReply, _byzps_v1_SetRuleReply__Output>
      SetRuleRequest: MessageTypeDefinition<_byzps_v1_SetRuleRequest, _byzps_v1_SetRuleRequest__Output>
      ShardInfo: MessageTypeDefinition<_byzps_v1_ShardInfo, _byzps_v1_ShardInfo__Output>
      StatusReply: MessageTypeDefinition<_byzps_v1_StatusReply, _byzps_v1_StatusReply__Output>
      StatusRequest: MessageTypeDefinition<_byzps_v1_StatusRequest, _byzps_v1_StatusRequest__Output>
      TensorEncoding: EnumTypeDefinition
      WorkerStatus: MessageTypeDefinition<_byzps_v1_WorkerStatus, _byzps_v1_WorkerStatus__Output>
    }
  }
}

