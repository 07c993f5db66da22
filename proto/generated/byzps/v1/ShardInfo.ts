// Original file: proto/byzps/v1/parameter_server.proto


/**
 * One shard of a sharded parameter server.
 */
export interface ShardInfo {
  'index'?: (number);
  /**
   * host:port of the shard's ParameterServer service.
   */
  'address'?: (string);
  /**
   * The coordinates [start, end) of θ and of every gradient the shard owns.
   */
  'start'?: (number);
  'end'?: (number);
}

/**
 * One shard of a sharded parameter server.
 */
export interface ShardInfo__Output {
  'index': (number);
  /**
   * host:port of the shard's ParameterServer service.
   */
  'address': (string);
  /**
   * The coordinates [start, end) of θ and of every gradient the shard owns.
   */
  'start': (number);
  'end': (number);
}
