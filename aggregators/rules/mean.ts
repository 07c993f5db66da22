import { defineRule } from '../rule.js';

/** Arithmetic mean Σ g_i / n: the non-robust baseline that a single Byzantine worker can move anywhere. */
export const meanRule = defineRule({
  name: 'mean',
  influence: 'weight',
  summary: 'arithmetic mean Σ g_i / n (not robust: one Byzantine input moves it arbitrarily)',
  params: {},
  requirement: { text: 'n ≥ 1', minInputs: () => 1 },
  aggregate(batch) {
    const weights = new Float64Array(batch.n).fill(1 / batch.n);
    return {
      output: batch.weightedSum(weights),
      diagnostics: { perWorker: { weight: Array.from(weights) }, summary: {} },
    };
  },
  sharded: {
    gram: false,
    keepsOutput: false,
    decide({ n }) {
      const weights = new Float64Array(n).fill(1 / n);
      return { apply: { kind: 'combine', weights, anchor: false }, diagnostics: () => ({ perWorker: { weight: Array.from(weights) }, summary: {} }) };
    },
  },
});
