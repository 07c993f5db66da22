import type { Matrix } from 'ml-matrix';
import { TooFewInputsError } from '../errors.js';
import { columnVector, squareMatrix, symmetricEigen, zeroMatrix } from '../linalg.js';
import type { ResolvedParams } from '../params.js';
import { defineRule } from '../rule.js';
import type { Diagnostics } from '../types.js';
import { honestMajority } from './requirements.js';

/** Gradient norms are floored at this before dividing, as in the paper's reference; an exactly zero gradient stays zero. */
const NORM_FLOOR = 1e-12;
/**
 * Eigenvalues of the cosine matrix at or below this fraction of the largest are rounding noise. A Gram matrix of float32
 * rows, accumulated in float32 blocks, puts the eigenvalues of exactly dependent rows near 1e-8, hence the larger floor.
 */
export const RANK_TOLERANCE = { float64: 1e-12, float32: 1e-6 } as const;
/** Below this fraction of the sum of its terms, a sum of projections is indistinguishable from rounding, so u counts as zero. */
const CANCELLATION_TOLERANCE = 1e-12;

/** Settings of one Flag Aggregator decision (the rule's parameters with r resolved for the batch). */
export interface FlagSettings {
  /** Subspace dimension; min(r, k) directions are fitted and the output is divided by r. */
  readonly r: number;
  /** Weight of the pairwise term (0 disables it). */
  readonly lambda: number;
  /** Most IRLS steps to run. */
  readonly iterations: number;
  /** Stop once a step lowers the objective by no more than this. */
  readonly tol: number;
  /** Added to every residual before it is inverted, so gradients inside the subspace keep finite weights. */
  readonly eps: number;
  /** Scale the coefficients so that ‖u‖ equals the median gradient norm. */
  readonly rescale: boolean;
  /** Eigenvalues of the cosine matrix at or below this fraction of the largest count as zero (see RANK_TOLERANCE). */
  readonly rankTolerance: number;
}

/** What FA decided from the Gram matrix alone: apply it as u = Σ_i coefficients[i]·g_i. */
export interface FlagDecision {
  /** c_i, rescaling included. */
  readonly coefficients: Float64Array;
  /** P_ii = ‖Yᵀ g_i/‖g_i‖‖² ∈ [0, 1]: the share of worker i's direction the subspace keeps. */
  readonly reconstructionRatios: Float64Array;
  /** The objective E = Σ_i √(1 − P_ii) before the first step (n) and after each kept step. */
  readonly objectiveTrace: readonly number[];
  /** IRLS steps kept; a step that does not lower E is discarded and ends the iteration. */
  readonly iterations: number;
  /** k, the rank of the cosine matrix. */
  readonly rank: number;
}

/** One IRLS iterate: the fitted directions in eigen-coordinates of the cosine matrix, and Q with P = Q Qᵀ. */
interface Iterate {
  /** V[:, :m] (k×m): Y = X̂ U Σ^{-1/2} V[:, :m], X̂ holding the normalised gradients as columns. */
  readonly directions: Matrix;
  /** Q = K̂ A (n×m): row i holds Yᵀ x_i, the coordinates of worker i's unit gradient in the subspace. */
  readonly projections: Matrix;
}

/**
 * The Flag Aggregator's decision (Almasi et al., "Flag Aggregator", ICLR 2024) computed exactly from the
 * n×n Gram matrix K = G Gᵀ (row-major): IRLS for the r-dimensional subspace Y minimising Σ_i √(1 − ‖Yᵀx_i‖²)
 * over the unit gradients x_i (plus the optional pairwise term), from the orthogonal start P = 0.
 * Partial Gram matrices of coordinate shards may be summed first; the decision depends on K only.
 */
export function decideFlag(gram: Float64Array, n: number, settings: FlagSettings): FlagDecision {
  const gramMatrix = squareMatrix(gram, n);
  const norms = Float64Array.from(gramMatrix.diag(), (squared) => Math.sqrt(Math.max(squared, 0)));
  const inverseNorms = norms.map((norm) => (norm === 0 ? 0 : 1 / Math.max(norm, NORM_FLOOR)));
  const bases = cosineBases(gramMatrix.clone().mulColumnVector(inverseNorms).mulRowVector(inverseNorms), settings.rankTolerance);
  const { kept, trace } = bases === undefined ? { kept: undefined, trace: [n] } : fitSubspace(bases.expand, settings);

  const coefficients = new Float64Array(n);
  const reconstructionRatios = new Float64Array(n);
  if (bases !== undefined && kept !== undefined) {
    // u = (1/r)·Y Yᵀ Σ_i x_i = X̂ A s / r with s = Yᵀ Σ_i x_i = Σ_i Q_i; x_i = g_i / ‖g_i‖ gives c.
    const total = kept.projections.sum('column');
    const combination = bases.contract.mmul(kept.directions).mmul(columnVector(total));
    for (let i = 0; i < n; i++) {
      coefficients[i] = (inverseNorms[i]! * combination.get(i, 0)) / settings.r;
      reconstructionRatios[i] = rowSquaredNorm(kept.projections, i);
    }
    if (settings.rescale) rescaleToMedianNorm(coefficients, kept.projections, total, settings.r, norms);
  }
  return { coefficients, reconstructionRatios, objectiveTrace: trace, iterations: trace.length - 1, rank: bases?.expand.columns ?? 0 };
}

/**
 * With K̂ = U Σ Uᵀ (the k eigenpairs above rounding), Y = X̂ U Σ^{-1/2} V has orthonormal columns for any orthogonal V,
 * and K̂ U Σ^{-1/2} = U Σ^{1/2}: the whole d-space iteration becomes k×k algebra on these two n×k bases.
 * Undefined when every gradient is zero (k = 0).
 */
function cosineBases(cosine: Matrix, rankTolerance: number): { expand: Matrix; contract: Matrix } | undefined {
  const spectrum = symmetricEigen(cosine);
  const largest = spectrum.values[0] ?? 0;
  const rank = largest > 0 ? spectrum.values.filter((value) => value > rankTolerance * largest).length : 0;
  if (rank === 0) return undefined;
  const span = spectrum.vectors.subMatrix(0, cosine.rows - 1, 0, rank - 1);
  const roots = Array.from(spectrum.values.subarray(0, rank), Math.sqrt);
  return { expand: span.clone().mulRowVector(roots), contract: span.clone().divRowVector(roots) };
}

/** IRLS from the orthogonal start (P = 0), keeping each step that lowers E and stopping once E drops by ≤ tol. */
function fitSubspace(expand: Matrix, settings: FlagSettings): { kept: Iterate | undefined; trace: number[] } {
  const n = expand.rows;
  const rank = expand.columns;
  const columns = Math.min(settings.r, rank);
  const trace = [n];
  let kept: Iterate | undefined;
  for (let step = 0; step < settings.iterations; step++) {
    const projectedGram = kept === undefined ? zeroMatrix(n, n) : kept.projections.mmul(kept.projections.transpose());
    const weights = irlsWeights(projectedGram, settings.lambda, settings.eps);
    // The top eigenvectors of X̂ M X̂ᵀ (d×d) are X̂ U Σ^{-1/2} V with V the eigenvectors of Σ^{1/2} Uᵀ M U Σ^{1/2}.
    const reduced = expand.transpose().mmul(weights).mmul(expand);
    const directions = symmetricEigen(reduced).vectors.subMatrix(0, rank - 1, 0, columns - 1);
    const projections = expand.mmul(directions);
    const objective = subspaceObjective(projections);
    const previous = trace[trace.length - 1]!;
    if (!(objective < previous)) break;
    kept = { directions, projections };
    trace.push(objective);
    if (previous - objective <= settings.tol) break;
  }
  return { kept, trace };
}

/**
 * The IRLS weight matrix M for the current P: a²_i = (|1 − P_ii| + ε)^(-1/2) on the diagonal and, when λ > 0,
 * the Laplacian of W_ij = 2κ²(|1 − P_ii − P_jj + 2P_ij| + ε)^(-1/2), κ = λ/(n(n−1)), as the paper's reference weighs pairs.
 */
function irlsWeights(projectedGram: Matrix, lambda: number, eps: number): Matrix {
  const n = projectedGram.rows;
  const weights = zeroMatrix(n, n);
  for (let i = 0; i < n; i++) weights.set(i, i, (Math.abs(1 - projectedGram.get(i, i)) + eps) ** -0.5);
  if (lambda > 0 && n > 1) {
    const kappa = lambda / (n * (n - 1));
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const residual = 1 - projectedGram.get(i, i) - projectedGram.get(j, j) + 2 * projectedGram.get(i, j);
        const pair = 2 * kappa * kappa * (Math.abs(residual) + eps) ** -0.5;
        weights.set(i, j, -pair);
        weights.set(j, i, -pair);
        weights.set(i, i, weights.get(i, i) + pair);
        weights.set(j, j, weights.get(j, j) + pair);
      }
    }
  }
  return weights;
}

/** E = Σ_i √(max(0, 1 − P_ii)) with P_ii = ‖Q_i‖². */
function subspaceObjective(projections: Matrix): number {
  let objective = 0;
  for (let i = 0; i < projections.rows; i++) objective += Math.sqrt(Math.max(0, 1 - rowSquaredNorm(projections, i)));
  return objective;
}

function rowSquaredNorm(matrix: Matrix, row: number): number {
  let sum = 0;
  for (let column = 0; column < matrix.columns; column++) sum += matrix.get(row, column) ** 2;
  return sum;
}

/**
 * Scales c so that ‖u‖ = median_i ‖g_i‖. Y has orthonormal columns, so ‖u‖ = ‖s‖/r exactly, s = Σ_i Q_i; when s
 * cancels to rounding level, u has no meaningful direction and is left as it is rather than blown up.
 */
function rescaleToMedianNorm(coefficients: Float64Array, projections: Matrix, total: readonly number[], r: number, norms: Float64Array): void {
  const totalNorm = Math.hypot(...total);
  let termsNorm = 0;
  for (let i = 0; i < projections.rows; i++) termsNorm += Math.sqrt(rowSquaredNorm(projections, i));
  if (totalNorm <= CANCELLATION_TOLERANCE * termsNorm) return;
  const factor = median(norms) / (totalNorm / r);
  for (let i = 0; i < coefficients.length; i++) coefficients[i]! *= factor;
}

/** Median with the mean of the two middle values for even length, as the `median` rule defines it. */
function median(values: Float64Array): number {
  const sorted = Float64Array.from(values).sort();
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * Flag Aggregator (Almasi et al., ICLR 2024): u = (1/r)·Y Yᵀ Σ_i g_i/‖g_i‖ for the IRLS subspace Y, applied as
 * u = Σ c_i g_i. It asks for an honest majority, n > 2f: with n ≤ 2f the Byzantine rows can outnumber or mirror
 * the honest ones and capture the subspace, and the rule has no bound of its own to offer instead.
 */
const flagParams = {
  r: { kind: 'integer', min: 1, description: 'subspace dimension, at most n (default ⌈n/2⌉ of the gradients received)' },
  lambda: { kind: 'number', min: 0, default: 0, description: 'weight of the pairwise term (0 = off)' },
  iterations: { kind: 'integer', min: 1, default: 1, description: 'most IRLS steps (1 as in the paper)' },
  tol: { kind: 'number', min: 0, default: 1e-10, description: 'stop once a step lowers the objective by no more than this' },
  eps: { kind: 'number', min: 0, exclusiveMin: true, default: 1e-7, description: 'residual floor that keeps IRLS weights finite' },
  rescale: { kind: 'boolean', default: false, description: 'scale the output to the median gradient norm' },
} as const;

/** FA's decision for n rows from K, with r resolved (⌈n/2⌉ by default; more than n is refused) and the rank tolerance of the element type. */
function flagDecision(gram: Float64Array, n: number, f: number, float32: boolean, params: ResolvedParams<typeof flagParams>): { decision: FlagDecision; diagnostics: Diagnostics } {
  const r = params.r ?? Math.ceil(n / 2);
  if (r > n) throw new TooFewInputsError('flag', `n ≥ r = ${r}`, n, f);
  const rankTolerance = float32 ? RANK_TOLERANCE.float32 : RANK_TOLERANCE.float64;
  const decision = decideFlag(gram, n, { ...params, r, rankTolerance });
  const diagnostics = {
    perWorker: { coefficient: Array.from(decision.coefficients), reconstructionRatio: Array.from(decision.reconstructionRatios) },
    summary: {
      iterations: decision.iterations,
      objective: decision.objectiveTrace[decision.objectiveTrace.length - 1]!,
      rank: decision.rank,
      r,
    },
  };
  return { decision, diagnostics };
}

export const flagRule = defineRule({
  name: 'flag',
  influence: 'coefficient',
  summary: 'Flag Aggregator (Almasi et al. 2024): IRLS subspace of the unit gradients, from the Gram matrix; ‖u‖ ≤ n/r unless rescaled',
  params: flagParams,
  requirement: honestMajority,
  aggregate(batch, f, params) {
    const { decision, diagnostics } = flagDecision(batch.gram(), batch.n, f, batch.rows[0] instanceof Float32Array, params);
    return { output: batch.weightedSum(decision.coefficients), diagnostics };
  },
  // FA needs only K to find its coefficients; every shard then combines its slice with them.
  sharded: {
    gram: true,
    keepsOutput: false,
    decide({ n, f, float32, gram }, params) {
      const { decision, diagnostics } = flagDecision(gram!, n, f, float32, params);
      return { apply: { kind: 'combine', weights: decision.coefficients, anchor: false }, diagnostics: () => diagnostics };
    },
  },
});
