// Original file: proto/byzps/v1/shard.proto


export interface PushReport {
  'shard'?: (number);
  'round'?: (number);
  'workerName'?: (string);
  /**
   * False: the push began and was refused on that shard; the round stops waiting for the worker.
   */
  'accepted'?: (boolean);
}

export interface PushReport__Output {
  'shard': (number);
  'round': (number);
  'workerName': (string);
  /**
   * False: the push began and was refused on that shard; the round stops waiting for the worker.
   */
  'accepted': (boolean);
}
