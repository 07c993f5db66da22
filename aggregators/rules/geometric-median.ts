import { distancesToCombination, dot, gramTimes } from '../gram.js';
import { defineRule } from '../rule.js';
import type { Diagnostics } from '../types.js';
import { honestMajority } from './requirements.js';

/** Stopping rule and smoothing of the Weiszfeld iterations. */
export interface WeiszfeldOptions {
  /** Smoothing ν: a distance below ν counts as ν, so a point sitting on a gradient gets a finite weight. */
  readonly nu: number;
  /** Stop when the step ‖z_{t+1} − z_t‖ falls to tol times the root-mean-square gradient norm. */
  readonly tol: number;
  readonly maxIterations: number;
}

/** The geometric median as coefficients over the rows, decided from K alone. */
export interface GeometricMedianDecision {
  /** z = Σ_i weights[i]·g_i; the weights are positive and sum to 1. */
  readonly weights: Float64Array;
  readonly iterations: number;
  readonly converged: boolean;
  /** Σ_i ‖g_i − z‖ at the returned z. */
  readonly objective: number;
}

/**
 * Smoothed Weiszfeld iterations (Pillutla, Kakade, Harchaoui, 2022) from the mean, carried out on weights:
 * with z = Σ w_j g_j every distance ‖g_i − z‖² = K_ii − 2(Kw)_i + wᵀKw, and the next z is Σ β_i g_i / Σ β_i
 * with β_i = 1 / max(ν, ‖g_i − z‖).
 */
export function decideGeometricMedian(gram: Float64Array, n: number, options: WeiszfeldOptions): GeometricMedianDecision {
  let trace = 0;
  for (let i = 0; i < n; i++) trace += gram[i * n + i]!;
  const stepBound = options.tol * Math.sqrt(trace / n);
  let weights = new Float64Array(n).fill(1 / n);
  let iterations = 0;
  let converged = false;
  while (!converged && iterations < options.maxIterations) {
    const inverse = distancesToCombination(gram, n, weights).map((distance) => 1 / Math.max(options.nu, distance));
    const total = inverse.reduce((sum, value) => sum + value, 0);
    const next = inverse.map((value) => value / total);
    const step = next.map((value, i) => value - weights[i]!);
    converged = Math.sqrt(Math.max(0, dot(step, gramTimes(gram, n, step)))) <= stepBound;
    weights = next;
    iterations++;
  }
  const objective = distancesToCombination(gram, n, weights).reduce((sum, value) => sum + value, 0);
  return { weights, iterations, converged, objective };
}

function geometricMedianDiagnostics(decision: GeometricMedianDecision): Diagnostics {
  return {
    perWorker: { weight: Array.from(decision.weights) },
    summary: { iterations: decision.iterations, converged: decision.converged ? 1 : 0, objective: decision.objective },
  };
}

/** Geometric median by smoothed Weiszfeld (Pillutla, Kakade, Harchaoui, 2022): breakdown point ½, so it needs n > 2f. */
export const geometricMedianRule = defineRule({
  name: 'geometric-median',
  influence: 'weight',
  summary: 'geometric median by smoothed Weiszfeld iterations from the mean (Pillutla, Kakade, Harchaoui, 2022)',
  params: {
    nu: { kind: 'number', min: 0, exclusiveMin: true, default: 1e-12, description: 'smoothing: distances below nu count as nu' },
    tol: { kind: 'number', min: 0, default: 1e-12, description: 'stop when a step moves z by at most tol × the RMS gradient norm' },
    maxIterations: { kind: 'integer', min: 1, default: 1000, description: 'iteration cap (the result is still returned; summary.converged says 0)' },
  },
  requirement: honestMajority,
  aggregate(batch, _f, params) {
    const decision = decideGeometricMedian(batch.gram(), batch.n, params);
    return { output: batch.weightedSum(decision.weights), diagnostics: geometricMedianDiagnostics(decision) };
  },
  // Every Weiszfeld iterate is a combination of the rows, so its distances come from K: the whole
  // iteration runs at the coordinator on the summed K, and the shards apply the final weights once.
  sharded: {
    gram: true,
    keepsOutput: false,
    decide({ n, gram }, params) {
      const decision = decideGeometricMedian(gram!, n, params);
      return { apply: { kind: 'combine', weights: decision.weights, anchor: false }, diagnostics: () => geometricMedianDiagnostics(decision) };
    },
  },
});
