import type { GradientBatch } from '../batch.js';
import { InvalidParameterError } from '../errors.js';
import { squaredDistances } from '../gram.js';
import { defineRule, type ShardedDecision } from '../rule.js';
import type { AggregationResult, Diagnostics, Gradient } from '../types.js';
import { krumRequirement } from './requirements.js';

/** What Krum-family rules decide from the Gram matrix alone. */
export interface KrumSelection {
  /** Every row's score: the sum of squared distances to its n−f−2 nearest other rows. */
  readonly scores: Float64Array;
  /** The chosen rows, lowest score first (ties → lower index). */
  readonly selected: readonly number[];
}

/**
 * Krum scores of `candidates` among themselves, from an n×n squared-distance matrix: each candidate
 * sums the squared distances to its (|candidates| − f − 2) nearest other candidates.
 */
export function krumScores(distances: Float64Array, n: number, candidates: readonly number[], f: number): Float64Array {
  const neighbours = Math.max(0, candidates.length - f - 2);
  return Float64Array.from(candidates, (i) => {
    const toOthers = candidates.filter((j) => j !== i).map((j) => distances[i * n + j]!);
    toOthers.sort((a, b) => a - b);
    return toOthers.slice(0, neighbours).reduce((sum, value) => sum + value, 0);
  });
}

/** Indices ordered by score, ties → lower index. */
export function byScore(scores: Float64Array): number[] {
  return Array.from(scores, (_, i) => i).sort((a, b) => scores[a]! - scores[b]! || a - b);
}

/** Multi-Krum's decision from K (Blanchard et al., 2017): the m rows with the lowest Krum scores. */
export function selectMultiKrum(gram: Float64Array, n: number, f: number, m: number): KrumSelection {
  const everyone = Array.from({ length: n }, (_, i) => i);
  const scores = krumScores(squaredDistances(gram, n), n, everyone, f);
  return { scores, selected: byScore(scores).slice(0, m) };
}

/** Averages the selected rows (one combine through the batch) and reports scores and 0/1 selections per worker. */
export function averageSelection<G extends Gradient>(batch: GradientBatch<G>, selection: KrumSelection): AggregationResult<G> {
  const weights = selectionWeights(batch.n, selection);
  return { output: batch.weightedSum(weights), diagnostics: selectionDiagnostics(selection, weights) };
}

/** 1/m on each of the m selected rows, 0 elsewhere. */
function selectionWeights(n: number, selection: KrumSelection): Float64Array {
  const weights = new Float64Array(n);
  for (const i of selection.selected) weights[i] = 1 / selection.selected.length;
  return weights;
}

function selectionDiagnostics(selection: KrumSelection, weights: Float64Array): Diagnostics {
  return {
    perWorker: { score: Array.from(selection.scores), selected: Array.from(weights, (w) => (w > 0 ? 1 : 0)) },
    summary: { selectedCount: selection.selected.length },
  };
}

/** A Krum-family selection across shards: every shard averages the selected rows of its slice. */
export function shardedSelection(n: number, selection: KrumSelection): ShardedDecision {
  const weights = selectionWeights(n, selection);
  return { apply: { kind: 'combine', weights, anchor: false }, diagnostics: () => selectionDiagnostics(selection, weights) };
}

/** Multi-Krum's m for n rows: the parameter, or n−f; more than n is refused. */
function multiKrumCount(m: number | undefined, n: number, f: number): number {
  const count = m ?? n - f;
  if (count > n) throw new InvalidParameterError(`multi-krum parameter m=${count} exceeds the number of gradients n=${n}`);
  return count;
}

/** Multi-Krum (Blanchard et al., 2017): the average of the m gradients with the lowest Krum scores. */
export const multiKrumRule = defineRule({
  name: 'multi-krum',
  influence: 'selected',
  summary: 'average of the m gradients with the lowest Krum scores, default m = n−f (Blanchard et al., 2017)',
  params: {
    m: { kind: 'integer', min: 1, description: 'how many lowest-score gradients to average (default n−f)' },
  },
  requirement: krumRequirement,
  aggregate(batch, f, params) {
    const m = multiKrumCount(params.m, batch.n, f);
    return averageSelection(batch, selectMultiKrum(batch.gram(), batch.n, f, m));
  },
  sharded: {
    gram: true,
    keepsOutput: false,
    decide({ n, f, gram }, params) {
      return shardedSelection(n, selectMultiKrum(gram!, n, f, multiKrumCount(params.m, n, f)));
    },
  },
});
