import type { GradientBatch } from '../batch.js';
import { squaredDistances } from '../gram.js';
import { defineRule } from '../rule.js';
import type { Diagnostics, Gradient } from '../types.js';
import { byScore, krumScores } from './multi-krum.js';

/** Bulyan's selection phase, decided from K alone. */
export interface BulyanSelection {
  /** The θ = n−2f rows picked by repeated Krum, in the order they were picked. */
  readonly picked: readonly number[];
  /** Krum scores of the first round, over all n rows. */
  readonly firstScores: Float64Array;
}

/**
 * Repeated Krum (El Mhamdi, Guerraoui, Rouault, 2018): pick the lowest-score row, remove it, recompute
 * the scores among the remaining rows (with |remaining| − f − 2 neighbours), until θ = n−2f rows are picked.
 */
export function selectBulyan(gram: Float64Array, n: number, f: number): BulyanSelection {
  const distances = squaredDistances(gram, n);
  const remaining = Array.from({ length: n }, (_, i) => i);
  const picked: number[] = [];
  const firstScores = krumScores(distances, n, remaining, f);
  let scores = firstScores;
  for (;;) {
    // `remaining` stays in increasing order, so byScore's tie rule still favours the lower worker index.
    const best = byScore(scores)[0]!;
    picked.push(remaining[best]!);
    remaining.splice(best, 1);
    if (picked.length === n - 2 * f) return { picked, firstScores };
    scores = krumScores(distances, n, remaining, f);
  }
}

function bulyanAggregate<G extends Gradient>(batch: GradientBatch<G>, f: number) {
  const { picked, firstScores } = selectBulyan(batch.gram(), batch.n, f);
  const output = batch.newOutput();
  const keptCounts = new Float64Array(picked.length);
  // Per coordinate, the mean of the β = θ−2f picked values closest to their median.
  batch.kernels.meanAroundMedian(
    picked.map((i) => batch.rows[i]!),
    2 * f,
    output,
    keptCounts,
  );
  return { output, diagnostics: bulyanDiagnostics({ picked, firstScores }, keptCounts, batch.n, batch.d, f) };
}

/** Scores, picks and the share of coordinates where each picked row was among the averaged values (keptCounts: one per pick, in pick order). */
function bulyanDiagnostics({ picked, firstScores }: BulyanSelection, keptCounts: Float64Array, n: number, d: number, f: number): Diagnostics {
  const selected = new Array<number>(n).fill(0);
  const pickOrder = new Array<number>(n).fill(0);
  const keptShare = new Array<number>(n).fill(0);
  picked.forEach((worker, k) => {
    selected[worker] = 1;
    pickOrder[worker] = k + 1;
    keptShare[worker] = keptCounts[k]! / d;
  });
  return { perWorker: { score: Array.from(firstScores), selected, pickOrder, keptShare }, summary: { theta: picked.length, beta: picked.length - 2 * f } };
}

/**
 * Bulyan (El Mhamdi, Guerraoui, Rouault, 2018): θ = n−2f rows chosen by repeated Krum, then per coordinate
 * the mean of the β = θ−2f chosen values closest to their median.
 */
export const bulyanRule = defineRule({
  name: 'bulyan',
  influence: 'keptShare',
  summary: 'repeated Krum picks n−2f gradients, then per coordinate the mean of the n−4f values closest to their median (El Mhamdi et al., 2018)',
  params: {},
  requirement: { text: 'n ≥ 4f+3', minInputs: (f: number) => 4 * f + 3 },
  aggregate: bulyanAggregate,
  sharded: {
    gram: true,
    keepsOutput: false,
    // The selection is decided once from K; the coordinate phase is local to each slice of the picked rows.
    decide({ n, f, d, gram }) {
      const selection = selectBulyan(gram!, n, f);
      return {
        apply: { kind: 'mean-around-median', rows: selection.picked, drop: 2 * f },
        diagnostics: (keptCounts) => bulyanDiagnostics(selection, keptCounts!, n, d, f),
      };
    },
  },
});
