// Original file: proto/byzps/v1/shard.proto


export interface Mixing {
  'm'?: (number);
  'weights'?: (number | string)[];
}

export interface Mixing__Output {
  'm': (number);
  'weights': (number)[];
}
