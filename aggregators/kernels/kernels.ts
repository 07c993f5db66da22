import type { Gradient } from '../types.js';

/**
 * The d-length loops every rule is built from. Rules call these and do only n×n work themselves,
 * so one backend swap (plain TypeScript, Wasm SIMD, several threads) speeds up every rule.
 * All rows of one call have the same length and element type; outputs have that type too.
 */
export interface Kernels {
  /** Backend name, reported by benchmarks. */
  readonly name: string;
  /** Gram matrix K = G Gᵀ (n×n, row-major, float64): products accumulate in the rows' type over short blocks, whose sums add in float64. */
  gram(rows: readonly Gradient[]): Float64Array;
  /** outs[k][j] = Σ_i weights[k·n + i] · rows[i][j]: each output a weighted sum of the rows (weights m×n, row-major). */
  combine<G extends Gradient>(rows: readonly G[], weights: Float64Array, outs: readonly G[]): void;
  /** out[i] = rows[i] · vector (float64), for a vector of the rows' length and element type (e.g. centered clipping's previous aggregate). */
  dots<G extends Gradient>(rows: readonly G[], vector: G): Float64Array;
  /**
   * Per coordinate, drops the `trim` smallest and `trim` largest values and averages the rest
   * (trim = ⌊(n−1)/2⌋ gives the median, even n → mean of the two middle values).
   * keptCounts[i] is increased by the number of coordinates j where lo_j ≤ rows[i][j] ≤ hi_j,
   * lo_j and hi_j being the smallest and largest kept values of coordinate j.
   */
  trimmedMean<G extends Gradient>(rows: readonly G[], trim: number, out: G, keptCounts: Float64Array): void;
  /**
   * Per coordinate, averages the n − drop values closest to the median of the column (even n → the
   * mean of the two middle values), dropping the farther end of the sorted column `drop` times (the
   * larger value on a tie): Bulyan's coordinate phase. keptCounts[i] is increased by the number of
   * coordinates where rows[i][j] lies within the averaged range.
   */
  meanAroundMedian<G extends Gradient>(rows: readonly G[], drop: number, out: G, keptCounts: Float64Array): void;
  /**
   * Calls `use` with rows of the same values placed where this backend reads them fastest, and
   * returns its result; those rows are valid only during the call. The SIMD kernels copy rows that
   * are not in their memory into it (one pass over the rows, after which their kernels run several
   * to a hundred times faster than the plain loops) and release the copies afterwards; the plain
   * kernels hand the rows over as they are.
   */
  withStagedRows<G extends Gradient, T>(rows: readonly G[], use: (rows: readonly G[]) => T): T;
  /** First non-finite value in row order, or undefined when every value is finite. */
  findNonFinite(rows: readonly Gradient[]): { row: number; index: number; value: number } | undefined;
}
