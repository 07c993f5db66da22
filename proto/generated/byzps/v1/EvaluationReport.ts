// Original file: proto/byzps/v1/parameter_server.proto


/**
 * How θ of one round did on an evaluator's held-out data.
 */
export interface EvaluationReport {
  /**
   * The round whose θ was evaluated (ModelChunk.round of the Observe stream); at most the open round.
   */
  'round'?: (number);
  /**
   * Mean loss on the held-out data; finite.
   */
  'loss'?: (number | string);
  /**
   * Fraction of held-out examples classified correctly, in [0, 1]; read only when has_accuracy is
   * set (a model that does not classify leaves both unset).
   */
  'accuracy'?: (number | string);
  /**
   * How long the evaluation took, in seconds (0 when unknown).
   */
  'seconds'?: (number | string);
  /**
   * Who evaluated, for the server's log (e.g. "evaluator"): 0–64 characters of A–Z a–z 0–9 . _ : -.
   */
  'evaluator'?: (string);
  'hasAccuracy'?: (boolean);
}

/**
 * How θ of one round did on an evaluator's held-out data.
 */
export interface EvaluationReport__Output {
  /**
   * The round whose θ was evaluated (ModelChunk.round of the Observe stream); at most the open round.
   */
  'round': (number);
  /**
   * Mean loss on the held-out data; finite.
   */
  'loss': (number);
  /**
   * Fraction of held-out examples classified correctly, in [0, 1]; read only when has_accuracy is
   * set (a model that does not classify leaves both unset).
   */
  'accuracy': (number);
  /**
   * How long the evaluation took, in seconds (0 when unknown).
   */
  'seconds': (number);
  /**
   * Who evaluated, for the server's log (e.g. "evaluator"): 0–64 characters of A–Z a–z 0–9 . _ : -.
   */
  'evaluator': (string);
  'hasAccuracy': (boolean);
}
