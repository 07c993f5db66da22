import type { GradientBatch } from './batch.js';
import type { ParamSchema, ResolvedParams } from './params.js';
import type { AggregationResult, Diagnostics, Gradient, RuleState } from './types.js';

/** The mutable slot a stateful rule reads its previous state from and writes its next state to. */
export interface StateSlot {
  value: RuleState | undefined;
}

/**
 * A rule as registered: its name, a one-line summary citing its source, its parameters, its
 * n-versus-f requirement and the pure function that aggregates one batch.
 */
export interface RuleDefinition<S extends ParamSchema = ParamSchema> {
  readonly name: string;
  /** One line for `--help`, naming the paper (authors, year). */
  readonly summary: string;
  /**
   * The per-worker diagnostic that grows with a worker's say in the aggregate (`coefficient`,
   * `keptShare`, `selected`, …): what a display of influence shows for this rule.
   */
  readonly influence: string;
  readonly params: S;
  /** The precondition on the number of inputs, as text ("n > 2f") and as the fewest inputs allowed. */
  readonly requirement: { readonly text: string; minInputs(f: number): number };
  /** Cross-parameter checks at build time; throw InvalidParameterError. */
  checkParams?(params: ResolvedParams<S>, f: number): void;
  /** Runs on a validated batch whose size already satisfies the requirement. */
  aggregate<G extends Gradient>(batch: GradientBatch<G>, f: number, params: ResolvedParams<S>, state: StateSlot): AggregationResult<G>;
  /** The same rule split for coordinate shards (see aggregators/sharded/): what it needs summed, how it decides, what each shard applies. */
  readonly sharded: ShardedRuleForm<S>;
}

/**
 * What a coordinator knows when one stage decides: the shape of the stage's rows and the sums of
 * the shards' partial summaries. Every n×n quantity is a sum over coordinates, so the sum over
 * contiguous slices is the whole-vector value up to the order of float64 additions.
 */
export interface StageInputs {
  /** Rows at this stage (n workers, or fewer after bucketing). */
  readonly n: number;
  readonly f: number;
  /** The whole gradient length, over every shard. */
  readonly d: number;
  /** The rows are float32 (else float64). */
  readonly float32: boolean;
  /** K = G Gᵀ of this stage's rows (n×n row-major), when the stage needs it. */
  readonly gram: Float64Array | undefined;
  /** g_i·v0 per row and ‖v0‖² for the state vector v0 every shard holds a slice of; undefined when the shards hold none. */
  readonly anchor: { readonly dots: Float64Array; readonly normSq: number } | undefined;
}

/** What every shard does to its slice of the stage's rows once the coordinator has decided. */
export type SliceApply =
  /** out = Σ_i weights[i]·g_i, plus weights[n]·v0 when `anchor` (the shard's slice of the state vector). */
  | { readonly kind: 'combine'; readonly weights: Float64Array; readonly anchor: boolean }
  /** Per coordinate, the mean of the values left after dropping the `trim` smallest and largest. */
  | { readonly kind: 'trimmed-mean'; readonly trim: number }
  /** Per coordinate over the listed rows, the mean of the values left after dropping `drop` ends farthest from the median (Bulyan). */
  | { readonly kind: 'mean-around-median'; readonly rows: readonly number[]; readonly drop: number };

/** A rule's decision at the coordinator: the shards' apply step and, once they report, the rule's diagnostics. */
export interface ShardedDecision {
  readonly apply: SliceApply;
  /** keptCounts: per row of the apply step, summed over shards (coordinate-wise applies only). */
  diagnostics(keptCounts: Float64Array | undefined): Diagnostics;
}

/** A rule split into a shard phase (partial sums), a coordinator decision, and a shard apply phase. */
export interface ShardedRuleForm<S extends ParamSchema = ParamSchema> {
  /** Whether the decision needs K. */
  readonly gram: boolean;
  /** Whether each shard keeps its slice of the output as state (`previousAggregate`) and reports its dots with the rows. */
  readonly keepsOutput: boolean;
  decide(inputs: StageInputs, params: ResolvedParams<S>): ShardedDecision;
}

/** An m×n row-major mixing W: the next stage's rows are W·G. */
export interface Mixing {
  readonly m: number;
  readonly weights: Float64Array;
}

/** A pre-aggregator's decision at the coordinator. */
export interface ShardedPreDecision {
  /** Rows to mix on every shard, or undefined to pass them on unchanged. */
  readonly mixing: Mixing | undefined;
  /** K of the next stage's rows when it follows from this one's (W K Wᵀ); undefined makes the next stage that needs it ask the shards. */
  readonly gram: Float64Array | undefined;
  readonly f: number;
  readonly toWorkers: (perRow: readonly number[]) => number[];
}

/** A pre-aggregator split like a rule; its state, if any, lives with the coordinator. */
export interface ShardedPreForm<S extends ParamSchema = ParamSchema> {
  readonly gram: boolean;
  decide(inputs: StageInputs, params: ResolvedParams<S>, state: StateSlot): ShardedPreDecision;
}

/** What a pre-aggregator hands to the next stage: the new batch, the Byzantine bound it carries, and how to map per-row diagnostics back to workers. */
export interface PreAggregation<G extends Gradient> {
  readonly batch: GradientBatch<G>;
  readonly f: number;
  /** Maps one value per output row back to one value per input worker. */
  readonly toWorkers: (perRow: readonly number[]) => number[];
}

/** A pre-aggregator (NNM, bucketing, clipping): a batch in, a transformed batch out, applied before the rule. */
export interface PreAggregatorDefinition<S extends ParamSchema = ParamSchema> {
  readonly name: string;
  readonly summary: string;
  readonly params: S;
  checkParams?(params: ResolvedParams<S>): void;
  /** How many rows and what Byzantine bound the next stage gets from n rows with bound f; unchanged when absent. */
  outputShape?(n: number, f: number, params: ResolvedParams<S>): { readonly n: number; readonly f: number };
  apply<G extends Gradient>(batch: GradientBatch<G>, f: number, params: ResolvedParams<S>, state: StateSlot): PreAggregation<G>;
  /** The same step split for coordinate shards: the coordinator decides the mixing, every shard mixes its slice. */
  readonly sharded: ShardedPreForm<S>;
}

/** Identity for definitions, keeping the parameter schema's literal type for `ResolvedParams`. */
export function defineRule<S extends ParamSchema>(definition: RuleDefinition<S>): RuleDefinition<S> {
  return definition;
}

export function definePreAggregator<S extends ParamSchema>(definition: PreAggregatorDefinition<S>): PreAggregatorDefinition<S> {
  return definition;
}
