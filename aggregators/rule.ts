import type { GradientBatch } from './batch.js';
import type { ParamSchema, ResolvedParams } from './params.js';
import type { AggregationResult, Gradient, RuleState } from './types.js';

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
}

/** Identity for definitions, keeping the parameter schema's literal type for `ResolvedParams`. */
export function defineRule<S extends ParamSchema>(definition: RuleDefinition<S>): RuleDefinition<S> {
  return definition;
}

export function definePreAggregator<S extends ParamSchema>(definition: PreAggregatorDefinition<S>): PreAggregatorDefinition<S> {
  return definition;
}
