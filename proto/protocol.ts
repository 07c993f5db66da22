import { fileURLToPath } from 'node:url';
import { loadPackageDefinition } from '@grpc/grpc-js';
import { loadSync, type Options, type PackageDefinition } from '@grpc/proto-loader';
import type { ProtoGrpcType } from './generated/control.js';
import type { ProtoGrpcType as ShardProtoGrpcType } from './generated/shard.js';

/** The folder holding `byzps/v1/*.proto`. */
const PROTO_DIR = fileURLToPath(new URL('./', import.meta.url));

/** Must match the options `npm run gen:proto` generates the types with. */
const LOADER_OPTIONS: Options = { defaults: true, oneofs: true, longs: String, enums: String, includeDirs: [PROTO_DIR] };

/** The byzps.v1 package definition, for the server, reflection and clients. */
export const packageDefinition: PackageDefinition = loadSync(['byzps/v1/parameter_server.proto', 'byzps/v1/control.proto', 'byzps/v1/shard.proto'], LOADER_OPTIONS);

/** Service constructors and definitions of byzps.v1, typed by the generated types. */
export const byzpsV1 = (loadPackageDefinition(packageDefinition) as unknown as { byzps: { v1: ProtoGrpcType['byzps']['v1'] & ShardProtoGrpcType['byzps']['v1'] } }).byzps.v1;

export type { ControlHandlers } from './generated/byzps/v1/Control.js';
export type { ControlClient } from './generated/byzps/v1/Control.js';
export type { ParameterServerClient, ParameterServerHandlers } from './generated/byzps/v1/ParameterServer.js';
export type { GradientChunk, GradientChunk__Output } from './generated/byzps/v1/GradientChunk.js';
export type { ModelChunk, ModelChunk__Output } from './generated/byzps/v1/ModelChunk.js';
export type { PullRequest__Output } from './generated/byzps/v1/PullRequest.js';
export type { ObserveRequest__Output } from './generated/byzps/v1/ObserveRequest.js';
export type { EvaluationReport, EvaluationReport__Output } from './generated/byzps/v1/EvaluationReport.js';
export type { EvaluationReportReply__Output } from './generated/byzps/v1/EvaluationReportReply.js';
export type { FaultInstruction, FaultInstruction__Output } from './generated/byzps/v1/FaultInstruction.js';
export type { RuleSpec as RuleSpecMessage, RuleSpec__Output as RuleSpecMessage__Output } from './generated/byzps/v1/RuleSpec.js';
export type { ShardPeerClient, ShardPeerHandlers } from './generated/byzps/v1/ShardPeer.js';
export type { ShardInfo, ShardInfo__Output } from './generated/byzps/v1/ShardInfo.js';
export type { PushReport__Output } from './generated/byzps/v1/PushReport.js';
export type { ShardStepRequest, ShardStepRequest__Output } from './generated/byzps/v1/ShardStepRequest.js';
export type { ShardStepReply, ShardStepReply__Output } from './generated/byzps/v1/ShardStepReply.js';
export type { ShardState, ShardState__Output } from './generated/byzps/v1/ShardState.js';
export type { ShardAnnouncement__Output } from './generated/byzps/v1/ShardAnnouncement.js';
export type { ShardRewindRequest__Output } from './generated/byzps/v1/ShardRewindRequest.js';
