/**
 * The contract every aggregation rule follows. Rules are pure: n gradients in, one vector and
 * per-worker diagnostics out. Nothing here knows about gRPC, metrics or logging.
 */

/** One worker's gradient: a flat vector of length d. Rows of one call share one element type. */
export type Gradient = Float32Array | Float64Array;

/** Rule parameters as given by a user (JSON, CLI `--param key=value`, env). */
export type RuleParams = Readonly<Record<string, number | boolean | string>>;

/** How to build a rule: `{ name: "flag", f: 2, params: { r: 4 }, pre: [{ name: "clip", params: { tau: 1 } }] }`. */
export interface RuleSpec {
  readonly name: string;
  /** Byzantine bound: how many of the n inputs may be arbitrary. */
  readonly f: number;
  readonly params?: RuleParams;
  /** Pre-aggregators applied in order before the rule (`nnm`, `bucketing`, `clip`). */
  readonly pre?: readonly PreAggregatorSpec[];
}

export interface PreAggregatorSpec {
  readonly name: string;
  readonly params?: RuleParams;
}

/**
 * What a rule reports about each worker, so an operator can see whom it trusted.
 * `perWorker` maps a quantity name (fixed per rule, e.g. "coefficient", "reconstructionRatio",
 * "score", "selected", "keptShare", "clipFactor", "weight") to one value per input row, in input order.
 * `summary` holds rule-level scalars (e.g. "iterations", "objective").
 */
export interface Diagnostics {
  readonly perWorker: Readonly<Record<string, readonly number[]>>;
  readonly summary: Readonly<Record<string, number>>;
}

export interface AggregationResult<G extends Gradient = Gradient> {
  /** The aggregate, same element type and length as the inputs. */
  readonly output: G;
  readonly diagnostics: Diagnostics;
}

/** State a rule carries from one round to the next; plain numbers and typed arrays so it can be checkpointed. */
export type RuleState = Readonly<Record<string, number | Float32Array | Float64Array>>;

export interface AggregateOptions<G extends Gradient = Gradient> {
  /** Skip the non-finite scan when the caller has already validated every value (the server does on ingest). */
  readonly assumeFinite?: boolean;
  /**
   * Where to write the aggregate (length d, the inputs' element type, not overlapping any input).
   * A caller that aggregates every round can reuse one buffer from the gradient memory, so the SIMD
   * kernels write in place and no d-length array is allocated per call. Defaults to a new array.
   */
  readonly output?: G;
}

export interface Aggregator {
  readonly name: string;
  readonly f: number;
  /** The per-worker diagnostic that grows with a worker's say in the aggregate (RuleDefinition.influence). */
  readonly influence: string;
  /** Parameters after defaults were filled in and validated. */
  readonly params: Readonly<Record<string, number | boolean | string>>;
  /** Fewest inputs this rule accepts for its f (e.g. 2f+1 for median, 4f+3 for Bulyan). */
  minInputs(): number;
  /** Aggregates n rows of equal length. Throws a typed error (see errors.ts) on bad input. */
  aggregate<G extends Gradient>(gradients: readonly G[], options?: AggregateOptions<G>): AggregationResult<G>;
  /** Serialisable state between rounds, or undefined for stateless rules. */
  getState(): RuleState | undefined;
  /** Restores state written by getState (e.g. from a checkpoint). */
  setState(state: RuleState): void;
}
