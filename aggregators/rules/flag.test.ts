import { Matrix, SingularValueDecomposition } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { InvalidParameterError, TooFewInputsError } from '../errors.js';
import { plainKernels } from '../kernels/plain.js';
import { createAggregator } from '../registry.js';
import { gaussianRows, loadGoldenCases, relativeError } from '../testing.js';
import type { RuleParams } from '../types.js';
import { decideFlag, RANK_TOLERANCE, type FlagSettings } from './flag.js';

const vectorFiles = loadGoldenCases();

function norm(vector: ArrayLike<number>): number {
  return Math.sqrt(Array.from(vector).reduce((sum, value) => sum + value * value, 0));
}

function flag(f: number, params: RuleParams = {}) {
  return createAggregator({ name: 'flag', f, params });
}

const defaults = { lambda: 0, iterations: 1, tol: 1e-10, eps: 1e-7, rescale: false };

interface DirectResult {
  output: Float64Array;
  reconstructionRatios: Float64Array;
  objectiveTrace: number[];
}

/**
 * FA as the paper defines it, in d-space, written independently of the Gram form: unit gradients x_i as columns,
 * IRLS on an explicit orthonormal Y (d×r) taken from the SVD of the weighted matrix [a_i x_i | √W_ij (x_i − x_j)],
 * u = (1/r)·Y Yᵀ Σ x_i. Y starts orthogonal to every x_i, i.e. with all projections zero. Needs d ≥ r ≤ rank.
 */
function directFlag(rows: readonly Float64Array[], settings: Omit<FlagSettings, 'rescale' | 'rankTolerance'>): DirectResult {
  const n = rows.length;
  const d = rows[0]!.length;
  const units = new Matrix(rows.map((row) => Array.from(row, (value) => value / norm(row)))).transpose();
  let projections = Matrix.zeros(settings.r, n);
  let subspace: Matrix | undefined;
  const trace = [n];
  const residual = (i: number, j: number): number => {
    const pi = projections.getColumn(i);
    const pj = projections.getColumn(j);
    return pi.reduce((sum, value, k) => sum + value * pj[k]!, 0);
  };
  for (let step = 0; step < settings.iterations; step++) {
    const columns: number[][] = [];
    for (let i = 0; i < n; i++) {
      const a = (Math.abs(1 - residual(i, i)) + settings.eps) ** -0.25;
      columns.push(units.getColumn(i).map((value) => a * value));
    }
    if (settings.lambda > 0) {
      const kappa = settings.lambda / (n * (n - 1));
      for (let i = 0; i < n; i++) {
        for (let j = i + 1; j < n; j++) {
          const distanceInSubspace = residual(i, i) + residual(j, j) - 2 * residual(i, j);
          const w = Math.sqrt(2 * kappa * kappa * (Math.abs(1 - distanceInSubspace) + settings.eps) ** -0.5);
          const xi = units.getColumn(i);
          const xj = units.getColumn(j);
          columns.push(xi.map((value, k) => w * (value - xj[k]!)));
        }
      }
    }
    const weighted = new Matrix(columns).transpose();
    const svd = new SingularValueDecomposition(weighted, { autoTranspose: true });
    const candidate = svd.leftSingularVectors.subMatrix(0, d - 1, 0, settings.r - 1);
    const candidateProjections = candidate.transpose().mmul(units);
    let objective = 0;
    for (let i = 0; i < n; i++) objective += Math.sqrt(Math.max(0, 1 - norm(candidateProjections.getColumn(i)) ** 2));
    const previous = trace[trace.length - 1]!;
    if (!(objective < previous)) break;
    subspace = candidate;
    projections = candidateProjections;
    trace.push(objective);
    if (previous - objective <= settings.tol) break;
  }
  const sumOfUnits = Matrix.columnVector(units.sum('row'));
  const output = subspace === undefined ? new Float64Array(d) : Float64Array.from(subspace.mmul(subspace.transpose()).mmul(sumOfUnits).div(settings.r).getColumn(0));
  return {
    output,
    reconstructionRatios: Float64Array.from({ length: n }, (_, i) => norm(projections.getColumn(i)) ** 2),
    objectiveTrace: trace,
  };
}

describe('flag: cases a reader can check by hand', () => {
  it('keeps the direction two rows share and gives the orthogonal third row coefficient 0', () => {
    // Unit vectors e1, e1, e2: the best line is e1, so u = (1/r)·(e1 + e1) with r = 1.
    const rows = [new Float64Array([3, 0]), new Float64Array([1, 0]), new Float64Array([0, 5])];
    const { output, diagnostics } = flag(1, { r: 1 }).aggregate(rows);
    expect(Array.from(output)).toEqual([expect.closeTo(2, 12), expect.closeTo(0, 12)]);
    expect(diagnostics.perWorker.coefficient).toEqual([expect.closeTo(1 / 3, 12), expect.closeTo(1, 12), expect.closeTo(0, 12)]);
    expect(diagnostics.perWorker.reconstructionRatio).toEqual([expect.closeTo(1, 12), expect.closeTo(1, 12), expect.closeTo(0, 12)]);
    expect(diagnostics.summary).toMatchObject({ iterations: 1, rank: 2, r: 1 });
    expect(diagnostics.summary.objective).toBeCloseTo(1, 12);
  });

  it('discards a step that does not lower the objective and stops there', () => {
    // After the first step Y = e1 already minimises E = 1; the second step finds e1 again, so nothing is kept from it.
    const rows = [new Float64Array([3, 0]), new Float64Array([1, 0]), new Float64Array([0, 5])];
    const { diagnostics } = flag(1, { r: 1, iterations: 5, tol: 0 }).aggregate(rows);
    expect(diagnostics.summary).toEqual({ iterations: 1, objective: 1, rank: 2, r: 1 });
  });

  it('cannot tell a row from its opposite: a flipped row lies in the same line and cancels one unit vector', () => {
    // Unit vectors e1, e1, −e1 span one line; u = (e1 + e1 − e1)/1 whatever the norms 3, 1, 2.
    const rows = [new Float64Array([3, 0]), new Float64Array([1, 0]), new Float64Array([-2, 0])];
    const { output, diagnostics } = flag(1, { r: 1 }).aggregate(rows);
    expect(Array.from(output)).toEqual([expect.closeTo(1, 12), expect.closeTo(0, 12)]);
    expect(diagnostics.perWorker.coefficient).toEqual([expect.closeTo(1 / 9, 12), expect.closeTo(1 / 3, 12), expect.closeTo(-1 / 6, 12)]);
    expect(diagnostics.perWorker.reconstructionRatio).toEqual([expect.closeTo(1, 12), expect.closeTo(1, 12), expect.closeTo(1, 12)]);
  });
});

describe('flag: golden vectors (orthogonal start)', () => {
  const cases = vectorFiles.flatMap((file) => file.fa.filter((record) => record.params.init === 'orthogonal').map((record) => ({ file, record })));

  it('finds orthogonal-start variants in every vector file', () => {
    expect(vectorFiles.length).toBeGreaterThanOrEqual(3);
    for (const file of vectorFiles) expect(file.fa.some((record) => record.params.init === 'orthogonal')).toBe(true);
  });

  // Float64Array rows: the float64 path, held to the vectors' own tolerance (1e-8, or 1e-5 once run to convergence).
  it.each(cases.map(({ file, record }) => [`${file.name} ${record.name}`, file, record] as const))('%s matches in float64', (_, file, record) => {
    const { r, lambda, n_its: iterations, eps, tol } = record.params;
    const tolerance = record.suggested_rel_tol_float64;
    const rows = file.inputs.grads.map((row) => Float64Array.from(row));
    const { output, diagnostics } = flag(file.f, { r, lambda, iterations, eps, tol }).aggregate(rows);
    expect(output).toBeInstanceOf(Float64Array);
    expect(relativeError(output, record.output)).toBeLessThan(tolerance);
    expect(relativeError(diagnostics.perWorker.coefficient!, record.coef)).toBeLessThan(tolerance);
    expect(relativeError(diagnostics.perWorker.reconstructionRatio!, record.reconstruction_ratios)).toBeLessThan(tolerance);
    const decision = decideFlag(Float64Array.from(file.inputs.K.flat()), file.n, { r, lambda, iterations, eps, tol, rescale: false, rankTolerance: RANK_TOLERANCE.float64 });
    if (record.iterations_run < iterations) {
      // Stopped by tol: the last drops are ~1e-10, so rounding may end the run one step earlier or later.
      expect(Math.abs(diagnostics.summary.iterations! - record.iterations_run)).toBeLessThanOrEqual(2);
      const shared = Math.min(decision.objectiveTrace.length, record.objective_trace.length);
      expect(relativeError(decision.objectiveTrace.slice(0, shared), record.objective_trace.slice(0, shared))).toBeLessThan(tolerance);
    } else {
      expect(diagnostics.summary.iterations).toBe(record.iterations_run);
      expect(relativeError(decision.objectiveTrace, record.objective_trace)).toBeLessThan(tolerance);
    }
    expect(diagnostics.summary.objective).toBeCloseTo(record.objective_trace[record.objective_trace.length - 1]!, 8);
  });

  it.each(cases.map(({ file, record }) => [`${file.name} ${record.name}`, file, record] as const))('%s matches in float32 within 1e-4', (_, file, record) => {
    const { r, lambda, n_its: iterations, eps, tol } = record.params;
    const rows = file.inputs.grads.map((row) => Float32Array.from(row));
    const { output, diagnostics } = flag(file.f, { r, lambda, iterations, eps, tol }).aggregate(rows);
    expect(output).toBeInstanceOf(Float32Array);
    expect(relativeError(output, record.output)).toBeLessThan(1e-4);
    expect(relativeError(diagnostics.perWorker.coefficient!, record.coef)).toBeLessThan(1e-4);
    expect(relativeError(diagnostics.perWorker.reconstructionRatio!, record.reconstruction_ratios)).toBeLessThan(1e-4);
    expect(diagnostics.summary.rank).toBe(Math.min(file.n, file.inputs.grads[0]!.length));
  });
});

describe('flag: agrees with the direct d-space definition', () => {
  it('reproduces the golden vectors itself, so it is a fair reference', () => {
    for (const file of vectorFiles) {
      for (const record of file.fa.filter((candidate) => candidate.params.init === 'orthogonal' && candidate.params.n_its <= 4)) {
        const { r, lambda, n_its: iterations, eps, tol } = record.params;
        const direct = directFlag(file.inputs.grads.map((row) => Float64Array.from(row)), { r, lambda, iterations, eps, tol });
        expect(relativeError(direct.output, record.output)).toBeLessThan(1e-8);
        expect(relativeError(direct.objectiveTrace, record.objective_trace)).toBeLessThan(1e-8);
      }
    }
  });

  const settings = [
    { r: 3, lambda: 0, iterations: 1 },
    { r: 3, lambda: 0, iterations: 5 },
    { r: 2, lambda: 0, iterations: 200 },
    { r: 4, lambda: 6, iterations: 1 },
    { r: 3, lambda: 3, iterations: 5 },
    { r: 2, lambda: 10, iterations: 200 },
  ];
  it.each(settings)('r=$r lambda=$lambda iterations=$iterations on random rows', ({ r, lambda, iterations }) => {
    for (const seed of [1, 2, 3]) {
      // Byzantine-looking rows: two large rows in one direction, the rest around a common mean.
      const rows = gaussianRows(seed, 8, 20).map((row, i) => row.map((value, j) => (i < 2 ? 50 * (j === 0 ? 1 : 0) + value : 2 + value)));
      const full = { ...defaults, r, lambda, iterations };
      const { output, diagnostics } = flag(2, full).aggregate(rows);
      const direct = directFlag(rows, full);
      const tolerance = iterations > 5 ? 1e-6 : 1e-9;
      expect(relativeError(output, direct.output)).toBeLessThan(tolerance);
      expect(relativeError(diagnostics.perWorker.reconstructionRatio!, direct.reconstructionRatios)).toBeLessThan(tolerance);
      expect(diagnostics.summary.iterations).toBe(direct.objectiveTrace.length - 1);
    }
  });
});

describe('flag: properties on random rows', () => {
  const seeds = [11, 12, 13, 14];

  it('is invariant to rescaling any row by a positive factor; that row’s coefficient scales inversely', () => {
    for (const seed of seeds) {
      const rows = gaussianRows(seed, 9, 30);
      const rule = flag(2, { iterations: 6 });
      const before = rule.aggregate(rows);
      const scaled = rows.map((row, i) => (i === 4 ? row.map((value) => value * 1e4) : i === 7 ? row.map((value) => value * 1e-3) : row));
      const after = rule.aggregate(scaled);
      expect(relativeError(after.output, before.output)).toBeLessThan(1e-10);
      const coefficientsBefore = before.diagnostics.perWorker.coefficient!;
      const coefficientsAfter = after.diagnostics.perWorker.coefficient!;
      expect(coefficientsAfter[4]! * 1e4).toBeCloseTo(coefficientsBefore[4]!, 10);
      expect(coefficientsAfter[7]! * 1e-3).toBeCloseTo(coefficientsBefore[7]!, 10);
    }
  });

  it('keeps ‖u‖ ≤ n/r however large the gradients are', () => {
    for (const seed of seeds) {
      for (const r of [1, 2, 5, 9]) {
        // Rows that share a direction make ‖Σ x_i‖ large, the case where the bound is nearly tight.
        const rows = gaussianRows(seed, 9, 30).map((row, i) => row.map((value, j) => (j === 0 ? 20 : 0) + value * 10 ** (i % 4)));
        const { output } = flag(2, { r, iterations: 4 }).aggregate(rows);
        expect(norm(output)).toBeLessThanOrEqual((9 / r) * (1 + 1e-12));
        expect(norm(output)).toBeGreaterThan(0);
      }
    }
  });

  it('permuting the rows permutes the diagnostics and leaves u unchanged', () => {
    for (const seed of seeds) {
      const rows = gaussianRows(seed, 7, 12);
      const order = [3, 6, 0, 5, 1, 4, 2];
      const rule = flag(1, { r: 3, iterations: 5, lambda: 2 });
      const original = rule.aggregate(rows);
      const permuted = rule.aggregate(order.map((i) => rows[i]!));
      expect(relativeError(permuted.output, original.output)).toBeLessThan(1e-10);
      for (const quantity of ['coefficient', 'reconstructionRatio']) {
        const expected = order.map((i) => original.diagnostics.perWorker[quantity]![i]!);
        expect(relativeError(permuted.diagnostics.perWorker[quantity]!, expected)).toBeLessThan(1e-9);
      }
    }
  });

  it('gives finite results and a zero coefficient to a zero row when rows are duplicated or zero', () => {
    const [a, b, c] = gaussianRows(5, 3, 10);
    const rows = [a!, a!, Float64Array.from(a!, (value) => 3 * value), b!, new Float64Array(10), c!, b!];
    const paramSets: RuleParams[] = [{}, { iterations: 20 }, { lambda: 4, iterations: 20 }, { r: 7 }];
    for (const params of paramSets) {
      const { output, diagnostics } = flag(1, params).aggregate(rows);
      expect(Array.from(output).every(Number.isFinite)).toBe(true);
      expect(diagnostics.perWorker.coefficient!.every(Number.isFinite)).toBe(true);
      expect(Math.abs(diagnostics.perWorker.coefficient![4]!)).toBe(0);
      expect(diagnostics.perWorker.reconstructionRatio![4]).toBeLessThan(1e-20);
      expect(diagnostics.summary.rank).toBe(3);
    }
  });

  it('finds the same rank and coefficients in float32 as in float64 when rows are linear combinations of others', () => {
    // Rows 10 and 11 lie in the span of rows 1–4; a float32 Gram matrix leaves their null directions near 1e-8, not 0.
    // The noise eigenvalues come out positive for seed 3 and negative for seed 8: both must be read as zero.
    for (const seed of [3, 8]) {
      const base = gaussianRows(seed, 10, 1000);
      const combined = [base[1]!.map((x, j) => 0.5 * x + 0.5 * base[2]![j]!), base[3]!.map((x, j) => 0.3 * x - 0.7 * base[4]![j]!)];
      const rows32 = [...base, ...combined].map((row) => Float32Array.from(row));
      const rows64 = rows32.map((row) => Float64Array.from(row));
      for (const params of [{ r: 4, iterations: 1 }, { r: 6, iterations: 10 }, { r: 12, iterations: 3 }]) {
        const single = flag(2, params).aggregate(rows32);
        const double = flag(2, params).aggregate(rows64);
        expect(single.diagnostics.summary.rank).toBe(10);
        expect(double.diagnostics.summary.rank).toBe(10);
        expect(relativeError(single.output, double.output)).toBeLessThan(1e-5);
        expect(relativeError(single.diagnostics.perWorker.coefficient!, double.diagnostics.perWorker.coefficient!)).toBeLessThan(1e-4);
      }
    }
  });

  it('returns zero for all-zero rows, with rank 0 and no step taken', () => {
    const { output, diagnostics } = flag(1, { iterations: 3 }).aggregate([new Float64Array(4), new Float64Array(4), new Float64Array(4)]);
    expect(Array.from(output)).toEqual([0, 0, 0, 0]);
    expect(diagnostics.summary).toEqual({ iterations: 0, objective: 3, rank: 0, r: 2 });
  });

  it('uses the whole span when r ≥ rank: u is the sum of the unit gradients divided by r', () => {
    // Six rows in R³ have rank 3 < r = 4: every row is reconstructed exactly.
    const rows = gaussianRows(21, 6, 3);
    const { output, diagnostics } = flag(1, { r: 4 }).aggregate(rows);
    const expected = new Float64Array(3);
    for (const row of rows) row.forEach((value, j) => (expected[j]! += value / norm(row) / 4));
    expect(relativeError(output, expected)).toBeLessThan(1e-10);
    expect(diagnostics.summary).toMatchObject({ rank: 3, r: 4 });
    for (const ratio of diagnostics.perWorker.reconstructionRatio!) expect(ratio).toBeCloseTo(1, 10);
  });

  it('rescale gives ‖u‖ = median ‖g_i‖ in the direction FA chose', () => {
    for (const seed of seeds) {
      for (const n of [8, 9]) {
        const rows = gaussianRows(seed, n, 25).map((row, i) => row.map((value) => value * (i + 1)));
        const plain = flag(2, { iterations: 3 }).aggregate(rows).output;
        const rescaled = flag(2, { iterations: 3, rescale: true }).aggregate(rows).output;
        const norms = rows.map(norm).sort((x, y) => x - y);
        const median = n % 2 === 1 ? norms[(n - 1) / 2]! : (norms[n / 2 - 1]! + norms[n / 2]!) / 2;
        expect(norm(rescaled) / median).toBeCloseTo(1, 10);
        const direction = plain.map((value) => (value * norm(rescaled)) / norm(plain));
        expect(relativeError(rescaled, direction)).toBeLessThan(1e-10);
      }
    }
  });

  it('leaves u at zero under rescale when the unit gradients cancel', () => {
    const g = Float64Array.from([1, -2, 3]);
    const { output } = flag(0, { r: 1, rescale: true }).aggregate([g, g.map((value) => -2 * value)]);
    expect(norm(output)).toBeLessThan(1e-12);
  });
});

describe('flag: decision from the Gram matrix alone', () => {
  it('decides the same from partial Gram matrices of coordinate slices summed, applied slice by slice', () => {
    const rows = gaussianRows(31, 7, 40);
    const settings = { ...defaults, r: 3, lambda: 1, iterations: 4 };
    const whole = flag(1, settings).aggregate(rows).output;
    const shards: [number, number][] = [[0, 15], [15, 40]];
    const slices = shards.map(([start, end]) => rows.map((row) => row.subarray(start, end)));
    const summed = new Float64Array(49);
    for (const slice of slices) plainKernels.gram(slice).forEach((value, i) => (summed[i]! += value));
    const decision = decideFlag(summed, 7, { ...settings, rankTolerance: RANK_TOLERANCE.float64 });
    const pieces = slices.map((slice) => {
      const out = new Float64Array(slice[0]!.length);
      plainKernels.combine(slice, decision.coefficients, [out]);
      return Array.from(out);
    });
    expect(relativeError(pieces.flat(), whole)).toBeLessThan(1e-12);
  });
});

describe('flag: parameters and preconditions', () => {
  it('fills in defaults and leaves r to be chosen per call', () => {
    expect(flag(1).params).toEqual({ lambda: 0, iterations: 1, tol: 1e-10, eps: 1e-7, rescale: false });
    const { diagnostics } = flag(1).aggregate(gaussianRows(3, 5, 6));
    expect(diagnostics.summary.r).toBe(3);
  });

  it.each([
    [{ k: 3 }, /flag has no parameter "k"; known: r, lambda, iterations, tol, eps, rescale/],
    [{ r: 0 }, /flag parameter r must be ≥ 1, got 0/],
    [{ r: 2.5 }, /flag parameter r must be an integer, got 2.5/],
    [{ lambda: -1 }, /flag parameter lambda must be ≥ 0, got -1/],
    [{ iterations: 0 }, /flag parameter iterations must be ≥ 1, got 0/],
    [{ eps: 0 }, /flag parameter eps must be > 0, got 0/],
    [{ rescale: 'yes' }, /flag parameter rescale must be true or false, got "yes"/],
  ])('rejects %o when the rule is built', (params, message) => {
    expect(() => flag(1, params)).toThrow(InvalidParameterError);
    expect(() => flag(1, params)).toThrow(message);
  });

  it('rejects r larger than the number of gradients received', () => {
    const call = () => flag(1, { r: 5 }).aggregate(gaussianRows(4, 4, 6));
    expect(call).toThrow(TooFewInputsError);
    expect(call).toThrow('flag needs n ≥ r = 5: got n=4, f=1');
  });
});
