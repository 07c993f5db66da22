import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AggregationError } from '../errors.js';
import { RESERVED_BYTES } from './gradient-memory.js';
import { aroundMedianModule } from './around-median-module.js';
import { FLOAT32, FLOAT64 } from './column-module.js';
import { trimmedMeanModule } from './trimmed-mean-module.js';
import { instantiate, wasm, type WasmMemory, type WasmModule } from './wasm-api.js';

/** Coordinates per Gram block (float32 accumulation inside, float64 between); ranges split on multiples of it. */
export const GRAM_BLOCK = 4096;

/** Scratch bytes the Gram kernel needs per thread (the accumulators of one tile, as kernels.ts declares). */
export const GRAM_SCRATCH_BYTES = 128;

/** The operations a thread can run on its share of the coordinates. */
export const RangeOp = { combine: 1, gram: 2, trimmedMean: 3, findNonFinite: 4, meanAroundMedian: 5 } as const;
export type RangeOp = (typeof RangeOp)[keyof typeof RangeOp];

/**
 * One kernel call as byte offsets into the shared memory, so it can be handed to other threads.
 * `table` holds the n row offsets; `a` and `b` depend on the op:
 * combine (a = n float64 weights, b = output), gram (a = per-block sums, b = per-slot scratch),
 * trimmedMean and meanAroundMedian (a = output, b = per-slot i32 kept counts; `trim` is how many
 * values of each end, or in all, they drop), findNonFinite (a = per-slot [row, index]).
 * Rows and outputs are float64 when `float64` is set, else float32.
 */
export interface RangeJob {
  readonly op: RangeOp;
  readonly float64: boolean;
  readonly n: number;
  readonly table: number;
  readonly a: number;
  readonly b: number;
  readonly trim: number;
}

/** The kernels of one element type (kernels.ts exports each for float32, and for float64 with a 64 suffix). */
interface TypedKernels {
  combine(table: number, n: number, weights: number, out: number, j0: number, j1: number): void;
  gramBlocks(table: number, n: number, j0: number, j1: number, out: number, scratch: number): void;
  findNonFinite(table: number, n: number, j0: number, j1: number, where: number): number;
}

interface KernelExports extends TypedKernels {
  heapBase(): number;
  combine64: TypedKernels['combine'];
  gramBlocks64: TypedKernels['gramBlocks'];
  findNonFinite64: TypedKernels['findNonFinite'];
}

/** A generated column kernel (see column-module.ts). */
type ColumnRun = (table: number, j0: number, j1: number, out: number, counts: number) => void;

const columnModules = { [RangeOp.trimmedMean]: trimmedMeanModule, [RangeOp.meanAroundMedian]: aroundMedianModule };

const wasmFile = new URL('./kernels.wasm', import.meta.url);

/** The compiled SIMD kernels, or undefined when kernels.wasm has not been built (`npm run build:wasm`). */
export function loadKernelModule(): WasmModule | undefined {
  const path = fileURLToPath(wasmFile);
  return existsSync(path) ? new wasm.Module(readFileSync(path)) : undefined;
}

/** The SIMD kernels instantiated on one thread over the shared memory, with its own cache of generated column kernels. */
export class KernelInstance {
  private readonly exports: KernelExports;
  private readonly float64: TypedKernels;
  private readonly columnKernels = new Map<string, ColumnRun>();

  constructor(module: WasmModule, private readonly memory: WasmMemory) {
    this.exports = instantiate(module, memory).exports as unknown as KernelExports;
    const { combine64, gramBlocks64, findNonFinite64 } = this.exports;
    this.float64 = { combine: combine64, gramBlocks: gramBlocks64, findNonFinite: findNonFinite64 };
    if (this.exports.heapBase() > RESERVED_BYTES) {
      throw new AggregationError(`kernels.wasm needs ${this.exports.heapBase()} bytes of static data; only ${RESERVED_BYTES} are reserved`);
    }
  }

  /** Runs `job` on coordinates [j0, j1); `slot` picks this thread's share of per-thread outputs. */
  run(job: RangeJob, j0: number, j1: number, slot: number): void {
    const { table, n, a, b } = job;
    const kernels: TypedKernels = job.float64 ? this.float64 : this.exports;
    switch (job.op) {
      case RangeOp.combine:
        kernels.combine(table, n, a, b, j0, j1);
        return;
      case RangeOp.gram:
        kernels.gramBlocks(table, n, j0, j1, a + (j0 / GRAM_BLOCK) * ((n * (n + 1)) / 2) * 8, b + slot * GRAM_SCRATCH_BYTES);
        return;
      case RangeOp.trimmedMean:
      case RangeOp.meanAroundMedian:
        this.columnKernel(job.op, job.float64, n, job.trim)(table, j0, j1, a, b + slot * n * 4);
        return;
      case RangeOp.findNonFinite: {
        const where = a + slot * 8;
        const row = kernels.findNonFinite(table, n, j0, j1, where + 4);
        new Int32Array(this.memory.buffer, where, 1)[0] = row;
        return;
      }
    }
  }

  private columnKernel(op: keyof typeof columnModules, float64: boolean, n: number, trim: number): ColumnRun {
    const key = `${op}/${float64}/${n}/${trim}`;
    let run = this.columnKernels.get(key);
    if (run === undefined) {
      const bytes = columnModules[op](n, trim, float64 ? FLOAT64 : FLOAT32);
      run = instantiate(new wasm.Module(bytes), this.memory).exports.run as ColumnRun;
      this.columnKernels.set(key, run);
    }
    return run;
  }
}
