// Original file: proto/byzps/v1/parameter_server.proto


export interface PullRequest {
  'workerId'?: (number);
}

export interface PullRequest__Output {
  'workerId': (number);
}
