// Original file: proto/byzps/v1/control.proto

import type { FaultInstruction as _byzps_v1_FaultInstruction, FaultInstruction__Output as _byzps_v1_FaultInstruction__Output } from '../../byzps/v1/FaultInstruction.js';

export interface InjectFaultRequest {
  'workerName'?: (string);
  'fault'?: (_byzps_v1_FaultInstruction | null);
}

export interface InjectFaultRequest__Output {
  'workerName': (string);
  'fault': (_byzps_v1_FaultInstruction__Output | null);
}
