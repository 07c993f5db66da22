import { ParameterError } from '../../runtime/errors.js';

/** Below this |x| the Taylor series of Φ is used; above it, the continued fraction of the tail (the series would cancel digits away). */
const SERIES_LIMIT = 1.5;
/** Depth of the tail's continued fraction: ample for x ≥ 1.5 at float64 precision. */
const FRACTION_DEPTH = 300;

/** The standard normal density φ(x) = e^(−x²/2)/√(2π). */
export function normalDensity(x: number): number {
  return Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
}

/**
 * The standard normal distribution function Φ(x): for |x| < 1.5 the series
 * Φ(x) = ½ + φ(x)·Σ_k x^(2k+1)/(1·3·…·(2k+1)); beyond, the tail by Laplace's continued fraction
 * Q(x) = φ(x)/(x + 1/(x + 2/(x + 3/(x + …)))), so small tail values keep their digits. Relative error
 * stays below 2e-14 for x ≥ −20; further out, rounding of x² in e^(−x²/2) allows up to ~3e-13.
 */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x <= -SERIES_LIMIT) return upperTail(-x);
  if (x >= SERIES_LIMIT) return 1 - upperTail(x);
  let term = x;
  let sum = x;
  for (let k = 1; Math.abs(term) > 1e-17 * Math.abs(sum); k++) {
    term *= (x * x) / (2 * k + 1);
    sum += term;
  }
  return 0.5 + normalDensity(x) * sum;
}

/**
 * Φ⁻¹(p), the standard normal quantile, for 0 < p < 1: bisection on Φ to bracket the root, then
 * Newton steps. Upper quantiles are computed as −Φ⁻¹(1 − p), where 1 − p is exact for p ≥ ½.
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new ParameterError(`the normal quantile needs 0 < p < 1, got ${p}`);
  if (p > 0.5) return -normalQuantile(1 - p);
  if (p === 0.5) return 0;
  let low = -40;
  let high = 0;
  for (let i = 0; i < 200; i++) {
    const middle = 0.5 * (low + high);
    if (middle === low || middle === high) break;
    if (normalCdf(middle) < p) low = middle;
    else high = middle;
  }
  let x = 0.5 * (low + high);
  for (let i = 0; i < 3; i++) {
    const density = normalDensity(x);
    if (density === 0) break;
    x -= (normalCdf(x) - p) / density;
  }
  return x;
}

/** Q(x) = 1 − Φ(x) for x ≥ 1.5, evaluating the continued fraction from its tail up. */
function upperTail(x: number): number {
  let denominator = x;
  for (let k = FRACTION_DEPTH; k >= 1; k--) denominator = x + k / denominator;
  return normalDensity(x) / denominator;
}
