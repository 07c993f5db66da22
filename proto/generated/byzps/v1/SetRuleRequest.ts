// Original file: proto/byzps/v1/control.proto

import type { RuleSpec as _byzps_v1_RuleSpec, RuleSpec__Output as _byzps_v1_RuleSpec__Output } from '../../byzps/v1/RuleSpec.js';

export interface SetRuleRequest {
  'rule'?: (_byzps_v1_RuleSpec | null);
}

export interface SetRuleRequest__Output {
  'rule': (_byzps_v1_RuleSpec__Output | null);
}
