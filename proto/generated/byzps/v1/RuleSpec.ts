// Original file: proto/byzps/v1/control.proto

import type { PreAggregatorSpec as _byzps_v1_PreAggregatorSpec, PreAggregatorSpec__Output as _byzps_v1_PreAggregatorSpec__Output } from '../../byzps/v1/PreAggregatorSpec.js';

/**
 * A rule as built by the aggregation library: name, Byzantine bound and parameters as text.
 */
export interface RuleSpec {
  'name'?: (string);
  'f'?: (number);
  'params'?: ({[key: string]: string});
  'pre'?: (_byzps_v1_PreAggregatorSpec)[];
}

/**
 * A rule as built by the aggregation library: name, Byzantine bound and parameters as text.
 */
export interface RuleSpec__Output {
  'name': (string);
  'f': (number);
  'params': ({[key: string]: string});
  'pre': (_byzps_v1_PreAggregatorSpec__Output)[];
}
