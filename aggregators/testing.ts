/**
 * Helpers for the aggregation tests: seeded random data, the golden vectors in test/vectors
 * (override with BYZPS_VECTORS_DIR), and error measures. Tests draw randomness only from here, never Math.random.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SeededRandom } from './random.js';
import type { Aggregator } from './types.js';

export { SeededRandom };

/** n rows of d independent standard normal values, the same for the same seed. */
export function gaussianRows(seed: number, n: number, d: number): Float64Array[] {
  const random = SeededRandom.fromSeed(seed);
  return Array.from({ length: n }, () => Float64Array.from({ length: d }, () => random.normal()));
}

/** n rows of length d: a shared center with entries ±(1 + U[0,1)) plus N(0, spread²) noise per row, so rows form one tight cluster away from 0. */
export function clusteredRows(random: SeededRandom, n: number, d: number, spread = 0.1): Float64Array[] {
  const center = Float64Array.from({ length: d }, () => (random.next() < 0.5 ? -1 : 1) * (1 + random.next()));
  return Array.from({ length: n }, () => center.map((value) => value + spread * random.normal()));
}

/** How the Byzantine rows of a property test are made from the honest ones. */
export type Attack = 'scaled' | 'sign-flip';

/** f Byzantine rows: an honest row times 1e6 (`scaled`) or the negated honest mean (`sign-flip`), all identical, as colluders would send. */
export function byzantineRows(honest: readonly Float64Array[], f: number, attack: Attack): Float64Array[] {
  const d = honest[0]!.length;
  const row =
    attack === 'scaled'
      ? honest[0]!.map((value) => value * 1e6)
      : Float64Array.from({ length: d }, (_, j) => -honest.reduce((sum, h) => sum + h[j]!, 0) / honest.length);
  return Array.from({ length: f }, () => row.slice());
}

/** Per coordinate, the smallest and largest value over the given rows. */
export function coordinateRange(rows: readonly Float64Array[]): { min: Float64Array; max: Float64Array } {
  const d = rows[0]!.length;
  const min = new Float64Array(d).fill(Infinity);
  const max = new Float64Array(d).fill(-Infinity);
  for (const row of rows) {
    row.forEach((value, j) => {
      min[j] = Math.min(min[j]!, value);
      max[j] = Math.max(max[j]!, value);
    });
  }
  return { min, max };
}

/** max_j |actual_j − expected_j| / max_j |expected_j|: the error measure the golden vectors' tolerances refer to. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let j = 0; j < expected.length; j++) {
    diff = Math.max(diff, Math.abs(actual[j]! - expected[j]!));
    scale = Math.max(scale, Math.abs(expected[j]!));
  }
  return scale === 0 ? diff : diff / scale;
}

/** One Flag Aggregator variant of a golden vector file. */
export interface GoldenFlagRecord {
  readonly name: string;
  readonly params: { readonly r: number; readonly lambda: number; readonly n_its: number; readonly eps: number; readonly tol: number; readonly init: string };
  readonly output: number[];
  readonly coef: number[];
  readonly reconstruction_ratios: number[];
  readonly objective_trace: number[];
  readonly iterations_run: number;
  readonly suggested_rel_tol_float64: number;
}

/** The fields of a golden vector file that the tests read (schema `fa-oracle-vectors/1`). */
export interface GoldenCase {
  readonly name: string;
  readonly n: number;
  readonly d: number;
  readonly f: number;
  readonly inputs: { readonly grads: number[][]; readonly K: number[][] };
  readonly fa: readonly GoldenFlagRecord[];
  readonly baselines: {
    readonly mean: number[];
    readonly median_numpy: number[];
    readonly trimmed_mean: { readonly f: number; readonly output: number[] };
    readonly krum_standard: { readonly f: number; readonly selected: number; readonly output: number[] };
    readonly multikrum_standard: { readonly f: number; readonly m: number; readonly selected: number[]; readonly output: number[] };
    readonly bulyan_standard: { readonly f: number; readonly picked: number[] | null; readonly output: number[] } | null;
    readonly geometric_median: { readonly output: number[] };
    readonly centered_clipping: { readonly tau: number; readonly iters: number; readonly v0: string; readonly output: number[] };
  };
}

/** Where the golden vectors live: BYZPS_VECTORS_DIR, or test/vectors in this repository. */
export function vectorsDir(): string {
  return process.env.BYZPS_VECTORS_DIR ?? fileURLToPath(new URL('../test/vectors/', import.meta.url));
}

/** Every golden vector file; fails loudly (never skips) when the folder is missing or empty. */
export function loadGoldenCases(): GoldenCase[] {
  const dir = vectorsDir();
  let files: string[];
  try {
    files = readdirSync(dir).filter((file) => file.endsWith('.json'));
  } catch {
    throw new Error(`golden vectors not found in ${dir}; set BYZPS_VECTORS_DIR to the folder holding the *.json vectors`);
  }
  if (files.length === 0) throw new Error(`no golden vector files (*.json) in ${dir}`);
  return files.sort().map((file) => JSON.parse(readFileSync(`${dir}/${file}`, 'utf8')) as GoldenCase);
}

/** The golden inputs as Float64Array rows: the float64 path the vectors' 1e-8 tolerance is meant for. */
export function float64Rows(grads: readonly number[][]): Float64Array[] {
  return grads.map((row) => Float64Array.from(row));
}

/** rows[permutation[k]] for k = 0..n−1. */
export function permuteRows<T>(rows: readonly T[], permutation: readonly number[]): T[] {
  return permutation.map((i) => rows[i]!);
}

/**
 * Aggregates `rows` and `rows` permuted, each with a fresh aggregator, and returns how far the outputs
 * differ (relative) and the largest mismatch of any per-worker diagnostic once mapped back to its worker.
 */
export function permutationDrift(build: () => Aggregator, rows: readonly Float64Array[], permutation: readonly number[]): { output: number; diagnostics: number } {
  const plain = build().aggregate(rows);
  const permuted = build().aggregate(permuteRows(rows, permutation));
  let diagnostics = 0;
  for (const [quantity, values] of Object.entries(plain.diagnostics.perWorker)) {
    const permutedValues = permuted.diagnostics.perWorker[quantity];
    if (permutedValues === undefined) return { output: relativeError(permuted.output, plain.output), diagnostics: Infinity };
    permutation.forEach((worker, k) => {
      diagnostics = Math.max(diagnostics, Math.abs(permutedValues[k]! - values[worker]!));
    });
  }
  return { output: relativeError(permuted.output, plain.output), diagnostics };
}
