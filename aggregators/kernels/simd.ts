import type { Gradient } from '../types.js';
import type { GradientMemory } from './gradient-memory.js';
import { GRAM_BLOCK, GRAM_SCRATCH_BYTES, KernelInstance, RangeOp, type RangeJob } from './kernel-instance.js';
import type { Kernels } from './kernels.js';
import { meanAroundMedianColumns, plainKernels, trimmedMeanColumns } from './plain.js';
import type { WasmModule } from './wasm-api.js';

/** Runs one range job over coordinates [0, length): on the calling thread, or split across threads. */
export interface RangeExecutor {
  /** How many per-thread output slots a job needs. */
  readonly slots: number;
  run(job: RangeJob, length: number): void;
}

/** A plain loop over columns [j0, j1) with a column kernel's parameters. */
type ColumnFunction = <G extends Gradient>(rows: readonly G[], trim: number, out: G, keptCounts: Float64Array, j0: number, j1: number) => void;

/** Above this many rows the generated comparator network grows large; such calls use the plain loops. */
export const MAX_NETWORK_ROWS = 256;

/** An executor that runs every job on the calling thread. */
export function singleThreadExecutor(module: WasmModule, memory: GradientMemory): RangeExecutor {
  let instance: KernelInstance | undefined;
  return {
    slots: 1,
    run(job, length) {
      instance ??= new KernelInstance(module, memory.memory);
      instance.run(job, 0, length, 0);
    },
  };
}

/** A view of `length` elements of the same type as `like` at byte `offset` of the memory. */
function viewLike<G extends Gradient>(like: G, memory: GradientMemory, offset: number, length: number): G {
  return new (like.constructor as new (buffer: ArrayBufferLike, byteOffset: number, length: number) => G)(memory.memory.buffer, offset, length);
}

/**
 * Kernels that run WebAssembly SIMD code on float32 and float64 rows living in `memory`,
 * bit-identical to plainKernels; calls with rows elsewhere (see withStagedRows), and methods
 * without a SIMD version, go to plainKernels.
 */
export function createSimdKernels(name: string, memory: GradientMemory, executor: RangeExecutor): Kernels {
  /** The rows' byte offsets and element type when every row lives in the memory. */
  const inMemory = (rows: readonly Gradient[]): { offsets: number[]; float64: boolean } | undefined => {
    const offsets: number[] = [];
    for (const row of rows) {
      const offset = memory.offsetOf(row);
      if (offset === undefined) return undefined;
      offsets.push(offset);
    }
    return { offsets, float64: rows[0] instanceof Float64Array };
  };

  /** Allocates scratch regions for one call and frees them however the call ends. */
  const withScratch = <T>(sizes: readonly number[], use: (offsets: number[]) => T): T => {
    const offsets: number[] = [];
    try {
      for (const size of sizes) offsets.push(memory.allocate(size));
      return use(offsets);
    } finally {
      offsets.forEach((offset) => { memory.release(offset); });
    }
  };

  /** Where a kernel can write an output: the output itself if it lives in memory, else a scratch buffer copied out afterwards. */
  const withOutput = (out: Gradient, use: (offset: number) => void): void => {
    const own = memory.offsetOf(out);
    if (own !== undefined) {
      use(own);
      return;
    }
    withScratch([out.byteLength], ([scratch]) => {
      use(scratch!);
      out.set(viewLike(out, memory, scratch!, out.length));
    });
  };

  /**
   * Runs a generated column kernel on the coordinates that fill whole vectors and `columns`, its
   * plain twin, on the rest; `trim` is the kernel's parameter (trim or drop).
   */
  const columnKernel = <G extends Gradient>(op: RangeOp, rows: readonly G[], trim: number, out: G, keptCounts: Float64Array, columns: ColumnFunction): void => {
    const found = inMemory(rows);
    const n = rows.length;
    const d = rows[0]!.length;
    if (found === undefined || n > MAX_NETWORK_ROWS) {
      columns(rows, trim, out, keptCounts, 0, d);
      return;
    }
    const { offsets, float64 } = found;
    const vectorWidth = d - (d % (16 / out.BYTES_PER_ELEMENT));
    withScratch([4 * n, 4 * n * executor.slots], ([table, counts]) => {
      memory.int32(table!, n).set(offsets);
      memory.int32(counts!, n * executor.slots).fill(0);
      withOutput(out, (outAt) => {
        executor.run({ op, float64, n, table: table!, a: outAt, b: counts!, trim }, vectorWidth);
      });
      memory.int32(counts!, n * executor.slots).forEach((count, index) => {
        keptCounts[index % n]! += count;
      });
    });
    columns(rows, trim, out, keptCounts, vectorWidth, d);
  };

  return {
    ...plainKernels,
    name,

    gram(rows) {
      const found = inMemory(rows);
      if (found === undefined) return plainKernels.gram(rows);
      const { offsets, float64 } = found;
      const n = rows.length;
      const d = rows[0]!.length;
      const pairs = (n * (n + 1)) / 2;
      const blocks = Math.ceil(d / GRAM_BLOCK);
      return withScratch([4 * n, 8 * pairs * blocks, GRAM_SCRATCH_BYTES * executor.slots], ([table, sums, accumulators]) => {
        memory.int32(table!, n).set(offsets);
        executor.run({ op: RangeOp.gram, float64, n, table: table!, a: sums!, b: accumulators!, trim: 0 }, d);
        const partial = memory.float64(sums!, pairs * blocks);
        const gram = new Float64Array(n * n);
        for (let i = 0; i < n; i++) {
          for (let k = 0; k <= i; k++) {
            const pair = (i * (i + 1)) / 2 + k;
            let total = 0;
            for (let block = 0; block < blocks; block++) total += partial[block * pairs + pair]!;
            gram[i * n + k] = total;
            gram[k * n + i] = total;
          }
        }
        return gram;
      });
    },

    combine(rows, weights, outs) {
      const found = inMemory(rows);
      if (found === undefined) {
        plainKernels.combine(rows, weights, outs);
        return;
      }
      const { offsets, float64 } = found;
      const n = rows.length;
      const d = rows[0]!.length;
      outs.forEach((out, k) => {
        // Rows with weight 0 are left out, as the plain loop skips them.
        const used = offsets.flatMap((offset, i) => (weights[k * n + i] === 0 ? [] : [{ offset, weight: weights[k * n + i]! }]));
        if (used.length === 0) {
          out.fill(0);
          return;
        }
        withScratch([4 * used.length, 8 * used.length], ([table, weightsAt]) => {
          memory.int32(table!, used.length).set(used.map((row) => row.offset));
          memory.float64(weightsAt!, used.length).set(used.map((row) => row.weight));
          withOutput(out, (outAt) => {
            executor.run({ op: RangeOp.combine, float64, n: used.length, table: table!, a: weightsAt!, b: outAt, trim: 0 }, d);
          });
        });
      });
    },

    trimmedMean(rows, trim, out, keptCounts) {
      columnKernel(RangeOp.trimmedMean, rows, trim, out, keptCounts, trimmedMeanColumns);
    },

    meanAroundMedian(rows, drop, out, keptCounts) {
      columnKernel(RangeOp.meanAroundMedian, rows, drop, out, keptCounts, meanAroundMedianColumns);
    },

    withStagedRows(rows, use) {
      const outside = [...new Set(rows.filter((row) => memory.offsetOf(row) === undefined))];
      if (outside.length === 0) return use(rows);
      // Each copy keeps its row's alignment modulo 8: V8 copies between views that disagree on it byte by byte.
      const allocations = outside.map((row) => memory.tryAllocate(row.byteLength + 8));
      try {
        if (allocations.includes(undefined)) return use(rows);
        const copies = new Map(outside.map((row, k) => {
          const copy = viewLike(row, memory, allocations[k]! + (row.byteOffset % 8), row.length);
          copy.set(row);
          return [row, copy];
        }));
        return use(rows.map((row) => copies.get(row) ?? row));
      } finally {
        allocations.forEach((offset) => { if (offset !== undefined) memory.release(offset); });
      }
    },

    findNonFinite(rows) {
      const found = inMemory(rows);
      if (found === undefined) return plainKernels.findNonFinite(rows);
      const { offsets, float64 } = found;
      const n = rows.length;
      return withScratch([4 * n, 8 * executor.slots], ([table, results]) => {
        memory.int32(table!, n).set(offsets);
        memory.int32(results!, 2 * executor.slots).fill(-1);
        executor.run({ op: RangeOp.findNonFinite, float64, n, table: table!, a: results!, b: 0, trim: 0 }, rows[0]!.length);
        // Slots cover increasing coordinates, so among equal rows the earliest slot has the first index.
        const found = memory.int32(results!, 2 * executor.slots);
        let best: { row: number; index: number } | undefined;
        for (let slot = 0; slot < executor.slots; slot++) {
          const row = found[2 * slot]!;
          if (row >= 0 && (best === undefined || row < best.row)) best = { row, index: found[2 * slot + 1]! };
        }
        return best && { ...best, value: rows[best.row]![best.index]! };
      });
    },
  };
}
