// Original file: proto/byzps/v1/control.proto


export interface PreAggregatorSpec {
  'name'?: (string);
  'params'?: ({[key: string]: string});
}

export interface PreAggregatorSpec__Output {
  'name': (string);
  'params': ({[key: string]: string});
}
