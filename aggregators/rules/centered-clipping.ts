import type { GradientBatch } from '../batch.js';
import { ShapeError } from '../errors.js';
import { dot, gramTimes } from '../gram.js';
import { defineRule, type StateSlot } from '../rule.js';
import type { AggregationResult, Diagnostics, Gradient } from '../types.js';
import { honestMajority } from './requirements.js';

/** How the rows relate to the starting point v0: g_i·v0 for each row, and ‖v0‖². */
export interface ClippingAnchor {
  readonly dots: Float64Array;
  readonly normSq: number;
}

/** Centered clipping's result as coefficients: v = anchorWeight·v0 + Σ_i rowWeights[i]·g_i. */
export interface CenteredClippingDecision {
  readonly rowWeights: Float64Array;
  readonly anchorWeight: number;
  /** min(1, τ/‖g_i − v‖) in the last iteration. */
  readonly clipFactors: Float64Array;
}

/**
 * Runs v ← v + mean_i (g_i − v)·min(1, τ/‖g_i − v‖) from v0 on coefficients, from K and the anchor alone.
 * Each step also shrinks v0's share (v ← (1 − mean α)·v + …), so v stays a·v0 + Σ c_i g_i and
 * ‖g_i − v‖² = K_ii − 2(a·g_i·v0 + (Kc)_i) + a²‖v0‖² + 2a·Σ c_j g_j·v0 + cᵀKc.
 */
export function decideCenteredClipping(gram: Float64Array, n: number, anchor: ClippingAnchor, tau: number, iterations: number): CenteredClippingDecision {
  let rowWeights = new Float64Array(n);
  let anchorWeight = 1;
  let clipFactors = new Float64Array(n).fill(1);
  for (let step = 0; step < iterations; step++) {
    const kc = gramTimes(gram, n, rowWeights);
    const a = anchorWeight;
    const vNormSq = a * a * anchor.normSq + 2 * a * dot(rowWeights, anchor.dots) + dot(rowWeights, kc);
    clipFactors = clipFactors.map((_, i) => {
      const distance = Math.sqrt(Math.max(0, gram[i * n + i]! - 2 * (a * anchor.dots[i]! + kc[i]!) + vNormSq));
      return distance > tau ? tau / distance : 1;
    });
    const meanFactor = clipFactors.reduce((sum, value) => sum + value, 0) / n;
    rowWeights = rowWeights.map((c, i) => c * (1 - meanFactor) + clipFactors[i]! / n);
    anchorWeight *= 1 - meanFactor;
  }
  return { rowWeights, anchorWeight, clipFactors };
}

/** The previous aggregate from the state slot, as a row of the batch's element type, or undefined on the first call. */
function previousAggregate<G extends Gradient>(batch: GradientBatch<G>, state: StateSlot): G | undefined {
  const stored = state.value?.previousAggregate;
  if (stored === undefined || typeof stored === 'number') return undefined;
  if (stored.length !== batch.d) {
    throw new ShapeError(`centered-clipping state holds a vector of length ${stored.length}, but the gradients have length ${batch.d}`);
  }
  if (stored.constructor === batch.rows[0]!.constructor) return stored as G;
  const converted = batch.newRow();
  converted.set(stored);
  return converted;
}

function centeredClippingAggregate<G extends Gradient>(
  batch: GradientBatch<G>,
  tau: number,
  iterations: number,
  state: StateSlot,
): AggregationResult<G> {
  const v0 = previousAggregate(batch, state);
  let output: G;
  let decision: CenteredClippingDecision;
  if (v0 === undefined) {
    decision = decideCenteredClipping(batch.gram(), batch.n, { dots: new Float64Array(batch.n), normSq: 0 }, tau, iterations);
    output = batch.weightedSum(decision.rowWeights);
  } else {
    // One dots pass gives every g_i·v0 and, as the last entry, ‖v0‖²; one combine adds a·v0 to Σ c_i g_i.
    // The anchor is staged with the rows, so that the kernels read all of them in place.
    output = batch.newOutput();
    decision = batch.kernels.withStagedRows([...batch.rows, v0], (withAnchor) => {
      const dots = batch.kernels.dots(withAnchor, v0);
      const decided = decideCenteredClipping(batch.gram(), batch.n, { dots: dots.subarray(0, batch.n), normSq: dots[batch.n]! }, tau, iterations);
      batch.kernels.combine(withAnchor, Float64Array.of(...decided.rowWeights, decided.anchorWeight), [output]);
      return decided;
    });
  }
  state.value = { previousAggregate: output.slice() };
  return { output, diagnostics: centeredClippingDiagnostics(decision) };
}

function centeredClippingDiagnostics(decision: CenteredClippingDecision): Diagnostics {
  return {
    perWorker: { clipFactor: Array.from(decision.clipFactors), weight: Array.from(decision.rowWeights) },
    summary: { anchorWeight: decision.anchorWeight },
  };
}

/**
 * Centered clipping (Karimireddy, He, Jaggi, 2021): starting from the previous round's aggregate (zeros at
 * first), move towards each gradient by at most τ, `iters` times. Its state is the previous aggregate.
 */
export const centeredClippingRule = defineRule({
  name: 'centered-clipping',
  influence: 'clipFactor',
  summary: 'clip each gradient to radius tau around the previous aggregate and average, iters times (Karimireddy, He, Jaggi, 2021)',
  params: {
    tau: { kind: 'number', min: 0, exclusiveMin: true, default: 10, description: 'clipping radius in gradient-norm units; set it near the honest gradients\' spread around their mean' },
    iters: { kind: 'integer', min: 1, default: 1, description: 'clipping iterations per round; one suffices when the previous aggregate is already close' },
  },
  requirement: honestMajority,
  aggregate(batch, _f, params, state) {
    return centeredClippingAggregate(batch, params.tau, params.iters, state);
  },
  // Each shard keeps its slice of the previous aggregate v0 and sends its partial g_i·v0 and ‖v0‖² with
  // its partial K; the iterations then run at the coordinator on coefficients, and each shard applies
  // a·v0 + Σ c_i g_i to its slice and keeps that slice as the next round's v0.
  sharded: {
    gram: true,
    keepsOutput: true,
    decide({ n, gram, anchor }, params) {
      const decision = decideCenteredClipping(gram!, n, anchor ?? { dots: new Float64Array(n), normSq: 0 }, params.tau, params.iters);
      const weights = anchor === undefined ? decision.rowWeights : Float64Array.of(...decision.rowWeights, decision.anchorWeight);
      return { apply: { kind: 'combine', weights, anchor: anchor !== undefined }, diagnostics: () => centeredClippingDiagnostics(decision) };
    },
  },
});
