import type { RangeJob, RangeOp } from './kernel-instance.js';

/**
 * Layout of the Int32Array that the calling thread and the kernel threads share: a generation
 * counter that wakes the threads, a count of threads done, and the current job.
 */
export const Control = {
  generation: 0,
  done: 1,
  failed: 2,
  stop: 3,
  length: 4,
  op: 5,
  n: 6,
  table: 7,
  a: 8,
  b: 9,
  trim: 10,
  float64: 11,
  words: 12,
} as const;

export function writeJob(control: Int32Array, job: RangeJob, length: number): void {
  control[Control.length] = length;
  control[Control.op] = job.op;
  control[Control.n] = job.n;
  // Byte offsets above 2 GiB wrap to negative i32; readJob undoes that with >>> 0.
  control[Control.table] = job.table;
  control[Control.a] = job.a;
  control[Control.b] = job.b;
  control[Control.trim] = job.trim;
  control[Control.float64] = job.float64 ? 1 : 0;
}

export function readJob(control: Int32Array): { job: RangeJob; length: number } {
  return {
    length: control[Control.length]!,
    job: {
      op: control[Control.op] as RangeOp,
      n: control[Control.n]!,
      table: control[Control.table]! >>> 0,
      a: control[Control.a]! >>> 0,
      b: control[Control.b]! >>> 0,
      trim: control[Control.trim]!,
      float64: control[Control.float64] === 1,
    },
  };
}
