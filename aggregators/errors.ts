/**
 * Typed errors of the aggregation library. Each carries a message a user can act on; callers
 * (the server's status mapping, the CLI) switch on the class, never on the text.
 */
export class AggregationError extends Error {
  override readonly name: string = 'AggregationError';
}

/** A rule or parameter was misconfigured when the rule was built. */
export class InvalidParameterError extends AggregationError {
  override readonly name = 'InvalidParameterError';
}

/** No rule or pre-aggregator of that name is registered. */
export class UnknownRuleError extends AggregationError {
  override readonly name = 'UnknownRuleError';
  constructor(readonly ruleName: string, readonly known: readonly string[], kind: 'rule' | 'pre-aggregator' = 'rule') {
    super(`unknown ${kind} "${ruleName}"; known: ${known.join(', ')}`);
  }
}

/** Fewer inputs than the rule needs for its Byzantine bound f. */
export class TooFewInputsError extends AggregationError {
  override readonly name = 'TooFewInputsError';
  /** `condition` reads like "n ≥ 4f+3" or "n > 2f". */
  constructor(readonly rule: string, readonly condition: string, readonly n: number, readonly f: number) {
    super(`${rule} needs ${condition}: got n=${n}, f=${f}`);
  }
}

/** Inputs do not form an n×d matrix (ragged rows, mixed element types, no rows, d = 0). */
export class ShapeError extends AggregationError {
  override readonly name = 'ShapeError';
}

/** An input holds NaN or ±Infinity. */
export class NonFiniteInputError extends AggregationError {
  override readonly name = 'NonFiniteInputError';
  constructor(readonly worker: number, readonly coordinate: number, readonly value: number) {
    super(`gradient of worker ${worker} has a non-finite value (${value}) at coordinate ${coordinate}`);
  }
}

/**
 * A sharded aggregation received a message it cannot use: one for another rule, round or step, a
 * missing or repeated shard, slices that do not tile the gradient, or shards whose state disagrees.
 */
export class ShardProtocolError extends AggregationError {
  override readonly name = 'ShardProtocolError';
}
