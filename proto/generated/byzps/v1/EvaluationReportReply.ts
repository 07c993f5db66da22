// Original file: proto/byzps/v1/parameter_server.proto


export interface EvaluationReportReply {
  /**
   * The round open when the report arrived.
   */
  'round'?: (number);
}

export interface EvaluationReportReply__Output {
  /**
   * The round open when the report arrived.
   */
  'round': (number);
}
