/**
 * n×n arithmetic on a Gram matrix K = G Gᵀ (row-major float64), so that distance-based rules decide
 * from K alone and never touch d-length rows: ‖g_i − g_j‖² = K_ii + K_jj − 2K_ij.
 */

/** All pairwise squared distances (n×n); rounding can make tiny ones negative, so they are clamped at 0. */
export function squaredDistances(gram: Float64Array, n: number): Float64Array {
  const distances = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const value = Math.max(0, gram[i * n + i]! + gram[j * n + j]! - 2 * gram[i * n + j]!);
      distances[i * n + j] = value;
      distances[j * n + i] = value;
    }
  }
  return distances;
}

/** K·w for a vector w of n coefficients. */
export function gramTimes(gram: Float64Array, n: number, w: Float64Array): Float64Array {
  const product = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let j = 0; j < n; j++) sum += gram[i * n + j]! * w[j]!;
    product[i] = sum;
  }
  return product;
}

/** Σ_i a_i·b_i of two length-n vectors. */
export function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

/** Distances ‖g_i − z‖ from every row to z = Σ w_j g_j: K_ii − 2(Kw)_i + wᵀKw, clamped at 0 before the root. */
export function distancesToCombination(gram: Float64Array, n: number, w: Float64Array): Float64Array {
  const kw = gramTimes(gram, n, w);
  const zNormSq = dot(w, kw);
  return Float64Array.from({ length: n }, (_, i) => Math.sqrt(Math.max(0, gram[i * n + i]! - 2 * kw[i]! + zNormSq)));
}

/** The Gram matrix W K Wᵀ (m×m) of the rows W·G, for W m×n row-major: mixed rows need no new d-length pass. */
export function mixedGram(weights: Float64Array, m: number, gram: Float64Array, n: number): Float64Array {
  const wk = new Float64Array(m * n);
  for (let a = 0; a < m; a++) {
    for (let i = 0; i < n; i++) {
      const w = weights[a * n + i]!;
      if (w === 0) continue;
      for (let j = 0; j < n; j++) wk[a * n + j]! += w * gram[i * n + j]!;
    }
  }
  const result = new Float64Array(m * m);
  for (let a = 0; a < m; a++) {
    for (let b = 0; b <= a; b++) {
      let sum = 0;
      for (let j = 0; j < n; j++) sum += wk[a * n + j]! * weights[b * n + j]!;
      result[a * m + b] = sum;
      result[b * m + a] = sum;
    }
  }
  return result;
}
