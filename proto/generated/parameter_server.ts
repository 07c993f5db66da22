import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { EvaluationReport as _byzps_v1_EvaluationReport, EvaluationReport__Output as _byzps_v1_EvaluationReport__Output } from './byzps/v1/EvaluationReport.js';
import type { EvaluationReportReply as _byzps_v1_EvaluationReportReply, EvaluationReportReply__Output as _byzps_v1_EvaluationReportReply__Output } from './byzps/v1/EvaluationReportReply.js';
import type { FaultInstruction as _byzps_v1_FaultInstruction, FaultInstruction__Output as _byzps_v1_FaultInstruction__Output } from './byzps/v1/FaultInstruction.js';
import type { GradientChunk as _byzps_v1_GradientChunk, GradientChunk__Output as _byzps_v1_GradientChunk__Output } from './byzps/v1/GradientChunk.js';
import type { JoinReply as _byzps_v1_JoinReply, JoinReply__Output as _byzps_v1_JoinReply__Output } from './byzps/v1/JoinReply.js';
import type { JoinRequest as _byzps_v1_JoinRequest, JoinRequest__Output as _byzps_v1_JoinRequest__Output } from './byzps/v1/JoinRequest.js';
import type { ModelChunk as _byzps_v1_ModelChunk, ModelChunk__Output as _byzps_v1_ModelChunk__Output } from './byzps/v1/ModelChunk.js';
import type { ObserveRequest as _byzps_v1_ObserveRequest, ObserveRequest__Output as _byzps_v1_ObserveRequest__Output } from './byzps/v1/ObserveRequest.js';
import type { ParameterServerClient as _byzps_v1_ParameterServerClient, ParameterServerDefinition as _byzps_v1_ParameterServerDefinition } from './byzps/v1/ParameterServer.js';
import type { PullRequest as _byzps_v1_PullRequest, PullRequest__Output as _byzps_v1_PullRequest__Output } from './byzps/v1/PullRequest.js';
import type { PushReply as _byzps_v1_PushReply, PushReply__Output as _byzps_v1_PushReply__Output } from './byzps/v1/PushReply.js';
import type { ShardInfo as _byzps_v1_ShardInfo, ShardInfo__Output as _byzps_v1_ShardInfo__Output } from './byzps/v1/ShardInfo.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  byzps: {
    v1: {
      EvaluationReport: MessageTypeDefinition<_byzps_v1_EvaluationReport, _byzps_v1_EvaluationReport__Output>
      EvaluationReportReply: MessageTypeDefinition<_byzps_v1_EvaluationReportReply, _byzps_v1_EvaluationReportReply__Output>
      FaultInstruction: MessageTypeDefinition<_byzps_v1_FaultInstruction, _byzps_v1_FaultInstruction__Output>
      GradientChunk: MessageTypeDefinition<_byzps_v1_GradientChunk, _byzps_v1_GradientChunk__Output>
      JoinReply: MessageTypeDefinition<_byzps_v1_JoinReply, _byzps_v1_JoinReply__Output>
      JoinRequest: MessageTypeDefinition<_byzps_v1_JoinRequest, _byzps_v1_JoinRequest__Output>
      ModelChunk: MessageTypeDefinition<_byzps_v1_ModelChunk, _byzps_v1_ModelChunk__Output>
      ObserveRequest: MessageTypeDefinition<_byzps_v1_ObserveRequest, _byzps_v1_ObserveRequest__Output>
      /**
       * A worker joins once, then repeats: Pull θ_r of the open round r, compute a gradient, Push it for
       * round r, Pull with min_round = r + 1. Tensors travel as little-endian float32 `bytes` in chunks.
       */
      ParameterServer: SubtypeConstructor<typeof grpc.Client, _byzps_v1_ParameterServerClient> & { service: _byzps_v1_ParameterServerDefinition }
      PullRequest: MessageTypeDefinition<_byzps_v1_PullRequest, _byzps_v1_PullRequest__Output>
      PushReply: MessageTypeDefinition<_byzps_v1_PushReply, _byzps_v1_PushReply__Output>
      ShardInfo: MessageTypeDefinition<_byzps_v1_ShardInfo, _byzps_v1_ShardInfo__Output>
      TensorEncoding: EnumTypeDefinition
    }
  }
}

