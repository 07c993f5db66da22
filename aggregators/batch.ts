import { NonFiniteInputError, ShapeError } from './errors.js';
import type { Kernels } from './kernels/kernels.js';
import type { AggregateOptions, Gradient } from './types.js';

/**
 * n gradients of length d as one batch, with the Gram matrix computed at most once and shared by
 * every distance-based step (pre-aggregators, Krum, FA, geometric median, clipping norms).
 */
export class GradientBatch<G extends Gradient = Gradient> {
  readonly n: number;
  readonly d: number;
  private cachedGram: Float64Array | undefined;
  private output: G | undefined;

  /** Wraps rows without copying; `gram` may be supplied when it is already known (e.g. K' = W K Wᵀ after mixing). */
  constructor(readonly rows: readonly G[], readonly kernels: Kernels, gram?: Float64Array) {
    this.n = rows.length;
    this.d = rows[0]?.length ?? 0;
    this.cachedGram = gram;
  }

  /** Makes `newOutput` hand out the caller's buffer (checked by checkShape). */
  writeOutputTo(output: G | undefined): this {
    this.output = output;
    return this;
  }

  /**
   * Checks the rows form an n×d matrix of one element type, and that the caller's output buffer,
   * when given, fits them and overlaps none of them.
   */
  static checkShape(rows: readonly Gradient[], output?: Gradient): void {
    const first = rows[0];
    if (first === undefined) throw new ShapeError('no gradients to aggregate');
    if (first.length === 0) throw new ShapeError('gradients have length 0');
    rows.forEach((row, i) => {
      if (row.length !== first.length) {
        throw new ShapeError(`gradient of worker ${i} has length ${row.length}, expected ${first.length} like worker 0`);
      }
      if (row.constructor !== first.constructor) {
        throw new ShapeError(`gradient of worker ${i} is a ${row.constructor.name}, expected ${first.constructor.name} like worker 0`);
      }
    });
    if (output !== undefined) checkOutputBuffer(output, rows);
  }

  /** Wraps rows whose shape was checked; unless told they are all finite, scans them first. */
  static scanned<G extends Gradient>(rows: readonly G[], kernels: Kernels, options: AggregateOptions = {}): GradientBatch<G> {
    if (options.assumeFinite !== true) {
      const bad = kernels.findNonFinite(rows);
      if (bad !== undefined) throw new NonFiniteInputError(bad.row, bad.index, bad.value);
    }
    return new GradientBatch(rows, kernels);
  }

  /** The same batch over other rows of equal values (staged copies), keeping the Gram matrix if it is known. */
  withRows(rows: readonly G[]): GradientBatch<G> {
    return rows === this.rows ? this : new GradientBatch(rows, this.kernels, this.cachedGram);
  }

  /** K = G Gᵀ, n×n row-major float64. */
  gram(): Float64Array {
    this.cachedGram ??= this.kernels.gram(this.rows);
    return this.cachedGram;
  }

  /** A new row of the same element type and length, for intermediate rows. */
  newRow(): G {
    return new (this.rows[0]!.constructor as new (length: number) => G)(this.d);
  }

  /** Where the rule writes its aggregate: the caller's buffer when one was given, else a new row. */
  newOutput(): G {
    return this.output ?? this.newRow();
  }

  /** Σ_i weights[i]·g_i, written to the output. */
  weightedSum(weights: Float64Array): G {
    const out = this.newOutput();
    this.kernels.combine(this.rows, weights, [out]);
    return out;
  }
}

function byteRange(array: Gradient): [number, number] {
  return [array.byteOffset, array.byteOffset + array.byteLength];
}

function checkOutputBuffer(output: Gradient, rows: readonly Gradient[]): void {
  const first = rows[0]!;
  if (output.length !== first.length || output.constructor !== first.constructor) {
    throw new ShapeError(`the output buffer is a ${output.constructor.name} of length ${output.length}, expected a ${first.constructor.name} of length ${first.length}`);
  }
  const [start, end] = byteRange(output);
  rows.forEach((row, i) => {
    const [rowStart, rowEnd] = byteRange(row);
    if (row.buffer === output.buffer && start < rowEnd && rowStart < end) {
      throw new ShapeError(`the output buffer overlaps the gradient of worker ${i}`);
    }
  });
}
