// Original file: proto/byzps/v1/parameter_server.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { GradientChunk as _byzps_v1_GradientChunk, GradientChunk__Output as _byzps_v1_GradientChunk__Output } from '../../byzps/v1/GradientChunk.js';
import type { JoinReply as _byzps_v1_JoinReply, JoinReply__Output as _byzps_v1_JoinReply__Output } from '../../byzps/v1/JoinReply.js';
import type { JoinRequest as _byzps_v1_JoinRequest, JoinRequest__Output as _byzps_v1_JoinRequest__Output } from '../../byzps/v1/JoinRequest.js';
import type { ModelChunk as _byzps_v1_ModelChunk, ModelChunk__Output as _byzps_v1_ModelChunk__Output } from '../../byzps/v1/ModelChunk.js';
import type { PullRequest as _byzps_v1_PullRequest, PullRequest__Output as _byzps_v1_PullRequest__Output } from '../../byzps/v1/PullRequest.js';
import type { PushReply as _byzps_v1_PushReply, PushReply__Output as _byzps_v1_PushReply__Output } from '../../byzps/v1/PushReply.js';

/**
 * A worker joins once, then repeats: Pull θ_r for the current round r, compute a gradient, Push it
 * for round r. Tensors travel as little-endian float32 `bytes` in chunks of at most 1 MiB.
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
   * Streams the current parameters θ_r in chunks; the first chunk also carries pending fault instructions.
   */
  Pull(argument: _byzps_v1_PullRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_byzps_v1_ModelChunk__Output>;
  Pull(argument: _byzps_v1_PullRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_byzps_v1_ModelChunk__Output>;
  /**
   * Streams the current parameters θ_r in chunks; the first chunk also carries pending fault instructions.
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
  
}

/**
 * A worker joins once, then repeats: Pull θ_r for the current round r, compute a gradient, Push it
 * for round r. Tensors travel as little-endian float32 `bytes` in chunks of at most 1 MiB.
 */
export interface ParameterServerHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Registers a worker by name; idempotent, so a restarted worker gets its id back.
   */
  Join: grpc.handleUnaryCall<_byzps_v1_JoinRequest__Output, _byzps_v1_JoinReply>;
  
  /**
   * Streams the current parameters θ_r in chunks; the first chunk also carries pending fault instructions.
   */
  Pull: grpc.handleServerStreamingCall<_byzps_v1_PullRequest__Output, _byzps_v1_ModelChunk>;
  
  /**
   * Streams one gradient for one round in chunks; the server replies once the gradient is complete and valid.
   */
  Push: grpc.handleClientStreamingCall<_byzps_v1_GradientChunk__Output, _byzps_v1_PushReply>;
  
}

export interface ParameterServerDefinition extends grpc.ServiceDefinition {
  Join: MethodDefinition<_byzps_v1_JoinRequest, _byzps_v1_JoinReply, _byzps_v1_JoinRequest__Output, _byzps_v1_JoinReply__Output>
  Pull: MethodDefinition<_byzps_v1_PullRequest, _byzps_v1_ModelChunk, _byzps_v1_PullRequest__Output, _byzps_v1_ModelChunk__Output>
  Push: MethodDefinition<_byzps_v1_GradientChunk, _byzps_v1_PushReply, _byzps_v1_GradientChunk__Output, _byzps_v1_PushReply__Output>
}
