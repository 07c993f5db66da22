import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { Mixing as _byzps_v1_Mixing, Mixing__Output as _byzps_v1_Mixing__Output } from './byzps/v1/Mixing.js';
import type { PushReport as _byzps_v1_PushReport, PushReport__Output as _byzps_v1_PushReport__Output } from './byzps/v1/PushReport.js';
import type { PushReportReply as _byzps_v1_PushReportReply, PushReportReply__Output as _byzps_v1_PushReportReply__Output } from './byzps/v1/PushReportReply.js';
import type { ShardAnnouncement as _byzps_v1_ShardAnnouncement, ShardAnnouncement__Output as _byzps_v1_ShardAnnouncement__Output } from './byzps/v1/ShardAnnouncement.js';
import type { ShardAnnouncementReply as _byzps_v1_ShardAnnouncementReply, ShardAnnouncementReply__Output as _byzps_v1_ShardAnnouncementReply__Output } from './byzps/v1/ShardAnnouncementReply.js';
import type { ShardDescribeRequest as _byzps_v1_ShardDescribeRequest, ShardDescribeRequest__Output as _byzps_v1_ShardDescribeRequest__Output } from './byzps/v1/ShardDescribeRequest.js';
import type { ShardPeerClient as _byzps_v1_ShardPeerClient, ShardPeerDefinition as _byzps_v1_ShardPeerDefinition } from './byzps/v1/ShardPeer.js';
import type { ShardRewindRequest as _byzps_v1_ShardRewindRequest, ShardRewindRequest__Output as _byzps_v1_ShardRewindRequest__Output } from './byzps/v1/ShardRewindRequest.js';
import type { ShardState as _byzps_v1_ShardState, ShardState__Output as _byzps_v1_ShardState__Output } from './byzps/v1/ShardState.js';
import type { ShardStepReply as _byzps_v1_ShardStepReply, ShardStepReply__Output as _byzps_v1_ShardStepReply__Output } from './byzps/v1/ShardStepReply.js';
import type { ShardStepRequest as _byzps_v1_ShardStepRequest, ShardStepRequest__Output as _byzps_v1_ShardStepRequest__Output } from './byzps/v1/ShardStepRequest.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  byzps: {
    v1: {
      Mixing: MessageTypeDefinition<_byzps_v1_Mixing, _byzps_v1_Mixing__Output>
      PushReport: MessageTypeDefinition<_byzps_v1_PushReport, _byzps_v1_PushReport__Output>
      PushReportReply: MessageTypeDefinition<_byzps_v1_PushReportReply, _byzps_v1_PushReportReply__Output>
      ShardAnnouncement: MessageTypeDefinition<_byzps_v1_ShardAnnouncement, _byzps_v1_ShardAnnouncement__Output>
      ShardAnnouncementReply: MessageTypeDefinition<_byzps_v1_ShardAnnouncementReply, _byzps_v1_ShardAnnouncementReply__Output>
      ShardDescribeRequest: MessageTypeDefinition<_byzps_v1_ShardDescribeRequest, _byzps_v1_ShardDescribeRequest__Output>
      ShardPeer: SubtypeConstructor<typeof grpc.Client, _byzps_v1_ShardPeerClient> & { service: _byzps_v1_ShardPeerDefinition }
      ShardRewindRequest: MessageTypeDefinition<_byzps_v1_ShardRewindRequest, _byzps_v1_ShardRewindRequest__Output>
      ShardState: MessageTypeDefinition<_byzps_v1_ShardState, _byzps_v1_ShardState__Output>
      ShardStepReply: MessageTypeDefinition<_byzps_v1_ShardStepReply, _byzps_v1_ShardStepReply__Output>
      ShardStepRequest: MessageTypeDefinition<_byzps_v1_ShardStepRequest, _byzps_v1_ShardStepRequest__Output>
    }
  }
}

