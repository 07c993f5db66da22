// Original file: proto/byzps/v1/parameter_server.proto


export interface JoinRequest {
  /**
   * A stable, unique name per worker (e.g. "worker-3"): 1–64 characters of A–Z a–z 0–9 . _ : -.
   * Joining again with it returns the same id.
   */
  'workerName'?: (string);
}

export interface JoinRequest__Output {
  /**
   * A stable, unique name per worker (e.g. "worker-3"): 1–64 characters of A–Z a–z 0–9 . _ : -.
   * Joining again with it returns the same id.
   */
  'workerName': (string);
}
