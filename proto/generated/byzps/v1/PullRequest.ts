// Original file: proto/byzps/v1/parameter_server.proto


export interface PullRequest {
  'workerId'?: (number);
  /**
   * The first round whose θ the worker wants: the round after the one it last pushed for (0 at first).
   */
  'minRound'?: (number);
}

export interface PullRequest__Output {
  'workerId': (number);
  /**
   * The first round whose θ the worker wants: the round after the one it last pushed for (0 at first).
   */
  'minRound': (number);
}
