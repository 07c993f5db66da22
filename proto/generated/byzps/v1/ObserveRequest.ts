// Original file: proto/byzps/v1/parameter_server.proto


export interface ObserveRequest {
  /**
   * The first round whose θ the observer wants (0: whatever round is open).
   */
  'minRound'?: (number);
}

export interface ObserveRequest__Output {
  /**
   * The first round whose θ the observer wants (0: whatever round is open).
   */
  'minRound': (number);
}
