import { GradientBatch } from '../batch.js';
import type { Gradient } from '../types.js';

/**
 * The batch of rows W·G for an m×n row-major W, built with one combine call. Pass `gram` (W K Wᵀ)
 * when it is known, so the next stage reuses it instead of a new d-length pass.
 */
export function mixRows<G extends Gradient>(batch: GradientBatch<G>, weights: Float64Array, m: number, gram?: Float64Array): GradientBatch<G> {
  const rows = Array.from({ length: m }, () => batch.newRow());
  batch.kernels.combine(batch.rows, weights, rows);
  return new GradientBatch(rows, batch.kernels, gram);
}

/** Pre-aggregators that keep one row per worker map diagnostics back unchanged. */
export function sameWorkers(perRow: readonly number[]): number[] {
  return [...perRow];
}
