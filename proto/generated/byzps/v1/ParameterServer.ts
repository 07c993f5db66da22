// Original file: proto/byzps/v1/parameter_server.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { EvaluationReport as _byzps_v1_EvaluationReport, EvaluationReport__Output as _byzps_v1_EvaluationReport__Output } from '../../byzps/v1/EvaluationReport.js';
import type { EvaluationReportReply as _byzps_v1_EvaluationReportReply, EvaluationReportReply__Output as _byzps_v1_EvaluationReportReply__Output } from '../../byzps/v1/EvaluationReportReply.js';
import type { GradientChunk as _byzps_v1_GradientChunk, GradientChunk__Output as _byzps_v1_GradientChunk__Output } from '../../byzps/v1/GradientChunk.js';
import type { JoinReply as _byzps_v1_JoinReply, JoinReply__Output as _byzps_v1_JoinReply__Output } from '../../byzps/v1/JoinReply.js';
import type { JoinRequest as _byzps_v1_JoinRequest, JoinRequest__Output as _byzps_v1_JoinRequest__Output } from '../../byzps/v1/JoinRequest.js';
import type { ModelChunk as _byzps_v1_ModelChunk, ModelChunk__Output as _byzps_v1_ModelChunk__Output } from '../../byzps/v1/ModelChunk.js';
import type { ObserveRequest as _byzps_v1_ObserveRequest, ObserveRequest__Output as _byzps_v1_ObserveRequest__Output } from '../../byzps/v1/ObserveRequest.js';
import type { PullRequest as _byzps_v1_PullRequest, PullRequest__Output as _byzps_v1_PullRequest__Output } from '../../byzps/v1/PullRequest.js';
import type { PushReply as _byzps_v1_PushReply, PushReply__Output as _byzps_v1_PushReply__Output } from '../../byzps/v1/PushReply.js';

/**
 * A worker joins once, then repeats: Pull θ_r of the open round r, compute a gradient, Push it for
 * round r, Pull with min_round = r + 1. Tensors travel as little-endian float32 `bytes` in chunks.
 */
export interface ParameterServerClient extends grpc.Client {
  /**
   * Registers a worker by name; idempotent, so a restarted worker gets its id back.
   */
  Join(argument: _byzps_v1_JoinRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_byzps_v1_JoinReply__Output>): grpc.ClientUnaryCall;
  Join(argument: _byzps_v1_JoinRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_byzps_v1_JoinReply__Output>): grpc.ClientUnaryCall;
  Join(argument: _byzps_v1_JoinRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_byzps_v1_JoinReply__Output>): grpc.ClientUnaryCall;
  Join(argument: _byzps_v1_JoinRequest, callback: grpc.requestCallback<_byzps_v1_JoinReply__Output>): grpc.ClientUnaryCall;
  /**
   * Registers a worker by name; idempotent, so a restarted worker gets its id back.
   */
  join(argument: _byzps_v1_JoinRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_byzps_v1_JoinReply__Output>): grpc.ClientUnaryCall;
  join(argument: _byzps_v1_JoinRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_byzps_v1_JoinReply__Output>): grpc.ClientUnaryCall;
  join(argument: _byzps_v1_JoinRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_byzps_v1_JoinReply__Output>): grpc.ClientUnaryCall;
  join(argument: _byzps_v1_JoinRequest, callback: grpc.requestCallback<_byzps_v1_JoinReply__Output>): grpc.ClientUnaryCall;
  
  /**
   * Streams θ like Pull, for a client that follows training without taking part (a dashboard, an
   * evaluator): it has no worker id, receives no faults and never changes which workers a round waits for.
   */
  Observe(argument: _byzps_v1_ObserveRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_byzps_v1_ModelChunk__Output>;
  Observe(argument: _byzps_v1_ObserveRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_byzps_v1_ModelChunk__Output>;
  /**
   * Streams θ like Pull, for a client that follows training without taking part (a dashboard, an
   * evaluator): it has no worker id, receives no faults and never changes which workers a round waits for.
   */
  observe(argument: _byzps_v1_ObserveRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_byzps_v1_ModelChunk__Output>;
  observe(argument: _byzps_v1_ObserveRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_byzps_v1_ModelChunk__Output>;
  
  /**
   * Streams θ of the open round in chunks once that round is ≥ min_round (a long poll), or at once
   * when the worker owes the open round a gradient. The first chunk carries pending fault instructions.
   * Ends with DEADLINE_EXCEEDED when no such round opens within JoinReply.pull_wait_ms: pull again.
   */
  Pull(argument: _byzps_v1_PullRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_byzps_v1_ModelChunk__Output>;
  Pull(argument: _byzps_v1_PullRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_byzps_v1_ModelChunk__Output>;
  /**
   * Streams θ of the open round in chunks once that round is ≥ min_round (a long poll), or at once
   * when the worker owes the open round a gradient. The first chunk carries pending fault instructions.
   * Ends with DEADLINE_EXCEEDED when no such round opens within JoinReply.pull_wait_ms: pull again.
   */
  pull(argument: _byzps_v1_PullRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_byzps_v1_ModelChunk__Output>;
  pull(argument: _byzps_v1_PullRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_byzps_v1_ModelChunk__Output>;
  
  /**
   * Streams one gradient for one round in chunks; the server replies once the gradient is complete and valid.
   */
  Push(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_byzps_v1_PushReply__Output>): grpc.ClientWritableStream<_byzps_v1_GradientChunk>;
  Push(metadata: grpc.Metadata, callback: grpc.requestCallback<_byzps_v1_PushReply__Output>): grpc.ClientWritableStream<_byzps_v1_GradientChunk>;
  Push(options: grpc.CallOptions, callback: grpc.requestCallback<_byzps_v1_PushReply__Output>): grpc.ClientWritableStream<_byzps_v1_GradientChunk>;
  Push(callback: grpc.requestCallback<_byzps_v1_PushReply__Output>): grpc.ClientWritableStream<_byzps_v1_GradientChunk>;
  /**
   * Streams one gradient for one round in chunks; the server replies once the gradient is complete and valid.
   */
  push(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_byzps_v1_PushReply__Output>): grpc.ClientWritableStream<_byzps_v1_GradientChunk>;
  push(metadata: grpc.Metadata, callback: grpc.requestCallback<_byzps_v1_PushReply__Output>): grpc.ClientWritableStream<_byzps_v1_GradientChunk>;
  push(options: grpc.CallOptions, callback: grpc.requestCallback<_byzps_v1_PushReply__Output>): grpc.ClientWritableStream<_byzps_v1_GradientChunk>;
  push(callback: grpc.requestCallback<_byzps_v1_PushReply__Output>): grpc.ClientWritableStream<_byzps_v1_GradientChunk>;
  
  /**
   * Reports how θ of a round did on held-out data, measured by an evaluator that follows θ with
   * Observe; the server publishes it as its evaluation metrics. Never changes a round. Takes the
   * admin token when the server has one, otherwise a worker token.
   */
  ReportEvaluation(argument: _byzps_v1_EvaluationReport, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_byzps_v1_EvaluationReportReply__Output>): grpc.ClientUnaryCall;
  ReportEvaluation(argument: _byzps_v1_EvaluationReport, metadata: grpc.Metadata, callback: grpc.requestCallback<_byzps_v1_EvaluationReportReply__Output>): grpc.ClientUnaryCall;
  ReportEvaluation(argument: _byzps_v1_EvaluationReport, options: grpc.CallOptions, callback: grpc.requestCallback<_byzps_v1_EvaluationReportReply__Output>): grpc.ClientUnaryCall;
  ReportEvaluation(argument: _byzps_v1_EvaluationReport, callback: grpc.requestCallback<_byzps_v1_EvaluationReportReply__Output>): grpc.ClientUnaryCall;
  /**
   * Reports how θ of a round did on held-out data, measured by an evaluator that follows θ with
   * Observe; the server publishes it as its evaluation metrics. Never changes a round. Takes the
   * admin token when the server has one, otherwise a worker token.
   */
  reportEvaluation(argument: _byzps_v1_EvaluationReport, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_byzps_v1_EvaluationReportReply__Output>): grpc.ClientUnaryCall;
  reportEvaluation(argument: _byzps_v1_EvaluationReport, metadata: grpc.Metadata, callback: grpc.requestCallback<_byzps_v1_EvaluationReportReply__Output>): grpc.ClientUnaryCall;
  reportEvaluation(argument: _byzps_v1_EvaluationReport, options: grpc.CallOptions, callback: grpc.requestCallback<_byzps_v1_EvaluationReportReply__Output>): grpc.ClientUnaryCall;
  reportEvaluation(argument: _byzps_v1_EvaluationReport, callback: grpc.requestCallback<_byzps_v1_EvaluationReportReply__Output>): grpc.ClientUnaryCall;
  
}

/**
 * A worker joins once, then repeats: Pull θ_r of the open round r, compute a gradient, Push it for
 * round r, Pull with min_round = r + 1. Tensors travel as little-endian float32 `bytes` in chunks.
 */
export interface ParameterServerHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Registers a worker by name; idempotent, so a restarted worker gets its id back.
   */
  Join: grpc.handleUnaryCall<_byzps_v1_JoinRequest__Output, _byzps_v1_JoinReply>;
  
  /**
   * Streams θ like Pull, for a client that follows training without taking part (a dashboard, an
   * evaluator): it has no worker id, receives no faults and never changes which workers a round waits for.
   */
  Observe: grpc.handleServerStreamingCall<_byzps_v1_ObserveRequest__Output, _byzps_v1_ModelChunk>;
  
  /**
   * Streams θ of the open round in chunks once that round is ≥ min_round (a long poll), or at once
   * when the worker owes the open round a gradient. The first chunk carries pending fault instructions.
   * Ends with DEADLINE_EXCEEDED when no such round opens within JoinReply.pull_wait_ms: pull again.
   */
  Pull: grpc.handleServerStreamingCall<_byzps_v1_PullRequest__Output, _byzps_v1_ModelChunk>;
  
  /**
   * Streams one gradient for one round in chunks; the server replies once the gradient is complete and valid.
   */
  Push: grpc.handleClientStreamingCall<_byzps_v1_GradientChunk__Output, _byzps_v1_PushReply>;
  
  /**
   * Reports how θ of a round did on held-out data, measured by an evaluator that follows θ with
   * Observe; the server publishes it as its evaluation metrics. Never changes a round. Takes the
   * admin token when the server has one, otherwise a worker token.
   */
  ReportEvaluation: grpc.handleUnaryCall<_byzps_v1_EvaluationReport__Output, _byzps_v1_EvaluationReportReply>;
  
}

export interface ParameterServerDefinition extends grpc.ServiceDefinition {
  Join: MethodDefinition<_byzps_v1_JoinRequest, _byzps_v1_JoinReply, _byzps_v1_JoinRequest__Output, _byzps_v1_JoinReply__Output>
  Observe: MethodDefinition<_byzps_v1_ObserveRequest, _byzps_v1_ModelChunk, _byzps_v1_ObserveRequest__Output, _byzps_v1_ModelChunk__Output>
  Pull: MethodDefinition<_byzps_v1_PullRequest, _byzps_v1_ModelChunk, _byzps_v1_PullRequest__Output, _byzps_v1_ModelChunk__Output>
  Push: MethodDefinition<_byzps_v1_GradientChunk, _byzps_v1_PushReply, _byzps_v1_GradientChunk__Output, _byzps_v1_PushReply__Output>
  ReportEvaluation: MethodDefinition<_byzps_v1_EvaluationReport, _byzps_v1_EvaluationReportReply, _byzps_v1_EvaluationReport__Output, _byzps_v1_EvaluationReportReply__Output>
}
