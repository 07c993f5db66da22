import type { SeededRandom } from '../aggregators/index.js';

/**
 * A Gamma(shape, 1) draw by Marsaglia and Tsang's squeeze method (Marsaglia and Tsang, 2000); for
 * shape < 1 it draws Gamma(shape + 1) and scales by U^(1/shape), their suggested boost.
 */
export function gammaDraw(random: SeededRandom, shape: number): number {
  if (shape < 1) return gammaDraw(random, shape + 1) * Math.pow(1 - random.next(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = random.normal();
    const v = (1 + c * x) ** 3;
    if (v <= 0) continue;
    const u = 1 - random.next();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** A draw from the symmetric Dirichlet(α, …, α) over `k` categories, as normalised Gamma(α) draws. */
export function symmetricDirichlet(random: SeededRandom, alpha: number, k: number): Float64Array {
  const weights = new Float64Array(k);
  let total = 0;
  for (let i = 0; i < k; i++) {
    weights[i] = gammaDraw(random, alpha);
    total += weights[i]!;
  }
  // For tiny α every Gamma draw can underflow to 0; the limit is all mass on one category.
  if (total === 0) {
    weights[Math.floor(random.next() * k)] = 1;
    return weights;
  }
  for (let i = 0; i < k; i++) weights[i] = weights[i]! / total;
  return weights;
}
