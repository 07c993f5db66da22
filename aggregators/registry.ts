import { GradientBatch } from './batch.js';
import { InvalidParameterError, TooFewInputsError, UnknownRuleError } from './errors.js';
import type { Kernels } from './kernels/kernels.js';
import { defaultKernels } from './kernels/default.js';
import { resolveParams } from './params.js';
import type { PreAggregatorDefinition, RuleDefinition, StateSlot } from './rule.js';
import { flagRule } from './rules/flag.js';
import { meanRule } from './rules/mean.js';
import { medianRule } from './rules/median.js';
import { trimmedMeanRule } from './rules/trimmed-mean.js';
import { krumRule } from './rules/krum.js';
import { multiKrumRule } from './rules/multi-krum.js';
import { bulyanRule } from './rules/bulyan.js';
import { geometricMedianRule } from './rules/geometric-median.js';
import { centeredClippingRule } from './rules/centered-clipping.js';
import { nnmPreAggregator } from './pre/nnm.js';
import { bucketingPreAggregator } from './pre/bucketing.js';
import { clipPreAggregator } from './pre/clip.js';
import type { AggregateOptions, AggregationResult, Aggregator, Diagnostics, Gradient, RuleSpec, RuleState } from './types.js';

/** Every rule byzps knows, registered explicitly. */
const rules: readonly RuleDefinition[] = [meanRule, flagRule, medianRule, trimmedMeanRule, krumRule, multiKrumRule, bulyanRule, geometricMedianRule, centeredClippingRule];

/** Every pre-aggregator byzps knows. */
const preAggregators: readonly PreAggregatorDefinition[] = [nnmPreAggregator, bucketingPreAggregator, clipPreAggregator];

export function listRules(): readonly RuleDefinition[] {
  return rules;
}

/** The influence diagnostic of the named rule (RuleDefinition.influence); an unknown name lists the known ones. */
export function ruleInfluence(name: string): string {
  return findByName(rules, name, 'rule').influence;
}

export function listPreAggregators(): readonly PreAggregatorDefinition[] {
  return preAggregators;
}

export interface BuildOptions {
  /** Backend for the d-length loops; defaults to defaultKernels (SIMD for rows in the gradient memory, else plain loops). */
  readonly kernels?: Kernels;
}

/** The registered rule of that name; an unknown name lists the known ones. */
export function findRule(name: string): RuleDefinition {
  return findByName(rules, name, 'rule');
}

/** The registered pre-aggregator of that name; an unknown name lists the known ones. */
export function findPreAggregator(name: string): PreAggregatorDefinition {
  return findByName(preAggregators, name, 'pre-aggregator');
}

function findByName<D extends { readonly name: string }>(list: readonly D[], name: string, kind: 'rule' | 'pre-aggregator'): D {
  const found = list.find((definition) => definition.name === name);
  if (found === undefined) throw new UnknownRuleError(name, list.map((definition) => definition.name), kind);
  return found;
}

/**
 * Builds a rule from `{ name, f, params, pre }`. Parameters are validated here; the n-versus-f
 * requirement and the inputs themselves are checked on every call.
 */
export function createAggregator(spec: RuleSpec, options: BuildOptions = {}): Aggregator {
  const kernels = options.kernels ?? defaultKernels;
  const definition = findByName(rules, spec.name, 'rule');
  const f = spec.f;
  if (!Number.isInteger(f) || f < 0) throw new InvalidParameterError(`f must be a non-negative integer, got ${f}`);
  const params = resolveParams(definition.name, definition.params, spec.params);
  definition.checkParams?.(params, f);
  const chain = (spec.pre ?? []).map((pre) => {
    const preDefinition = findByName(preAggregators, pre.name, 'pre-aggregator');
    const preParams = resolveParams(preDefinition.name, preDefinition.params, pre.params);
    preDefinition.checkParams?.(preParams);
    const state: StateSlot = { value: undefined };
    return { definition: preDefinition, params: preParams, state };
  });
  const ruleState: StateSlot = { value: undefined };
  // The fewest inputs for which the rule's requirement still holds after the pre-aggregators reshape them
  // (bucketing hands the rule ⌈n/s⌉ rows); reshaping only grows with n, so counting up terminates.
  let minInputs = 1;
  for (;; minInputs++) {
    const shaped = chain.reduce((shape, stage) => stage.definition.outputShape?.(shape.n, shape.f, stage.params) ?? shape, { n: minInputs, f });
    if (shaped.n >= definition.requirement.minInputs(shaped.f)) break;
  }
  const stateSlots = [...chain.map((stage, i) => ({ prefix: `pre${i}.`, slot: stage.state })), { prefix: 'rule.', slot: ruleState }];

  /**
   * Runs the pre-aggregators from `stage` on, then the rule. Each stage's rows are staged for the
   * stages after it: the rows a pre-aggregator mixes are new arrays, which the kernels would
   * otherwise read through their plain loops.
   */
  const runFrom = <G extends Gradient>(stage: number, batch: GradientBatch<G>, stageF: number, toWorkerMaps: readonly ((perRow: readonly number[]) => number[])[], output: G | undefined): AggregationResult<G> => {
    const pre = chain[stage];
    if (pre !== undefined) {
      const result = pre.definition.apply(batch, stageF, pre.params, pre.state);
      return kernels.withStagedRows(result.batch.rows, (rows) => runFrom(stage + 1, result.batch.withRows(rows), result.f, [...toWorkerMaps, result.toWorkers], output));
    }
    if (batch.n < definition.requirement.minInputs(stageF)) {
      throw new TooFewInputsError(definition.name, definition.requirement.text, batch.n, stageF);
    }
    const result = definition.aggregate(batch.writeOutputTo(output), stageF, params, ruleState);
    return { output: result.output, diagnostics: mapToWorkers(result.diagnostics, toWorkerMaps) };
  };

  // Rules write their output into new rows or the caller's buffer, never into the staged rows, so
  // nothing they return points into what the kernels release after the call.
  const aggregate = <G extends Gradient>(gradients: readonly G[], callOptions?: AggregateOptions<G>): AggregationResult<G> => {
    GradientBatch.checkShape(gradients, callOptions?.output);
    return kernels.withStagedRows(gradients, (rows) => runFrom(0, GradientBatch.scanned(rows, kernels, callOptions), f, [], callOptions?.output));
  };

  return {
    name: definition.name,
    f,
    influence: definition.influence,
    params: Object.fromEntries(Object.entries(params).filter(([, value]) => value !== undefined)) as Record<string, number | boolean>,
    minInputs: () => minInputs,
    aggregate,
    getState: () => combineState(stateSlots),
    setState: (state: RuleState) => {
      splitState(state, stateSlots);
    },
  };
}

/** Pre-aggregators may change the number of rows; per-row diagnostics are mapped back, last stage first. */
export function mapToWorkers(diagnostics: Diagnostics, maps: readonly ((perRow: readonly number[]) => number[])[]): Diagnostics {
  if (maps.length === 0) return diagnostics;
  const perWorker = Object.fromEntries(
    Object.entries(diagnostics.perWorker).map(([quantity, values]) => [quantity, maps.reduceRight<readonly number[]>((acc, map) => map(acc), values)]),
  );
  return { perWorker, summary: diagnostics.summary };
}

/** One stage's state slot and the key prefix its entries carry in the aggregator's combined state. */
interface PrefixedSlot {
  readonly prefix: string;
  readonly slot: StateSlot;
}

/** The state of every stage as one flat record ("pre0.rngState", "rule.previousAggregate"), or undefined when no stage has any. */
function combineState(slots: readonly PrefixedSlot[]): RuleState | undefined {
  const entries = slots.flatMap(({ prefix, slot }) => Object.entries(slot.value ?? {}).map(([key, value]) => [prefix + key, value] as const));
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

/** Hands each stage back its entries of a combined state; a key that matches no stage is a configuration mismatch. */
function splitState(state: RuleState, slots: readonly PrefixedSlot[]): void {
  const parts: Record<string, RuleState[string]>[] = slots.map(() => ({}));
  for (const [key, value] of Object.entries(state)) {
    const index = slots.findIndex(({ prefix }) => key.startsWith(prefix));
    if (index < 0) {
      throw new InvalidParameterError(`state entry "${key}" belongs to no stage of this aggregator (expected prefixes: ${slots.map(({ prefix }) => prefix).join(', ')})`);
    }
    parts[index]![key.slice(slots[index]!.prefix.length)] = value;
  }
  slots.forEach(({ slot }, i) => (slot.value = Object.keys(parts[i]!).length > 0 ? parts[i] : undefined));
}
