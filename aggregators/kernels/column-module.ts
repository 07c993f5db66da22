import type { CompareOp } from './sorting-network.js';
import { FunctionCode, I32, runModule, V128 } from './wasm-encoder.js';

/** What a generated column kernel's own code works with, four coordinates at a time. */
export interface ColumnCode {
  readonly code: FunctionCode;
  /** The local holding row i's values at the current four coordinates, as an f32x4. */
  readonly wire: (i: number) => number;
  /** The local holding the byte offset 4j of the current coordinates. */
  readonly byte: number;
  /** The parameter holding the byte offset of the float32 output. */
  readonly out: number;
}

/** Locals holding, per lane, the smallest and largest value the kernel kept (the same local when it keeps one). */
export interface KeptRange {
  readonly low: number;
  readonly high: number;
}

/**
 * Emits a WebAssembly module with one function `run(table, j0, j1, out, counts)` for n rows whose
 * byte offsets are the n i32 at `table`. For j in [j0, j1) (a multiple of 4 wide), four coordinates
 * at a time, it loads each row's values into a wire, runs the code `emitColumns` emits (which
 * writes the output at out + 4j and names its kept range), then adds to the i32 counts[i] how many
 * of row i's values lay within that range. Generating the module for the n at hand keeps every
 * wire in a register, which a general loop cannot.
 */
export function columnKernelModule(n: number, emitColumns: (column: ColumnCode) => KeptRange): Uint8Array {
  const param = { table: 0, j0: 1, j1: 2, out: 3, counts: 4 };
  const code = new FunctionCode(5);
  const rowPtrs = Array.from({ length: n }, () => code.local(I32));
  const byte = code.local(I32);
  const end = code.local(I32);
  const wires = Array.from({ length: n }, () => code.local(V128));
  const counters = Array.from({ length: n }, () => code.local(V128));
  const scratch = code.local(V128);

  for (let i = 0; i < n; i++) {
    code.get(param.table).op(0x28, 2, 4 * i).set(rowPtrs[i]!); // i32.load offset=4i
    code.i32(0).simd(0x11).set(counters[i]!); // i32x4.splat 0
  }
  code.get(param.j0).i32(2).op(0x74).set(byte); // byte = j0 << 2
  code.get(param.j1).i32(2).op(0x74).set(end);
  code.op(0x02, 0x40).op(0x03, 0x40); // block, loop
  code.get(byte).get(end).op(0x4f).op(0x0d, 1); // br_if 1 (byte ≥u end)

  for (let i = 0; i < n; i++) code.get(rowPtrs[i]!).get(byte).op(0x6a).load().set(wires[i]!);
  const { low, high } = emitColumns({ code, wire: (i) => wires[i]!, byte, out: param.out });

  for (let i = 0; i < n; i++) {
    code.get(counters[i]!).get(rowPtrs[i]!).get(byte).op(0x6a).load();
    if (low === high) {
      code.get(low).simd(0x41); // f32x4.eq
    } else {
      code.set(scratch).get(scratch).get(low).simd(0x46); // f32x4.ge
      code.get(scratch).get(high).simd(0x45).simd(0x4e); // f32x4.le, v128.and
    }
    code.simd(0xb1).set(counters[i]!); // i32x4.sub: a true lane is −1
  }

  code.get(byte).i32(16).op(0x6a).set(byte).op(0x0c, 0).op(0x0b).op(0x0b); // byte += 16; br 0; end; end
  for (let i = 0; i < n; i++) {
    code.get(param.counts).get(param.counts).op(0x28, 2, 4 * i);
    for (let lane = 0; lane < 4; lane++) code.get(counters[i]!).simd(0x1b).byte(lane).op(0x6a);
    code.op(0x36, 2, 4 * i); // i32.store offset=4i
  }
  return runModule(code);
}

/**
 * Emits a comparator network on f32x4 wires. pmin(a, b) = b < a ? b : a and pmax(b, a) = b < a ? a : b
 * test the same predicate, so a pair is an exchange of the two values even for −0 and +0, which compare equal.
 */
export function emitNetwork(code: FunctionCode, ops: readonly CompareOp[], wire: (i: number) => number): void {
  const scratch = code.local(V128);
  for (const { low, high, keepMin, keepMax } of ops) {
    if (keepMin && keepMax) {
      code.get(wire(low)).set(scratch);
      code.get(scratch).get(wire(high)).simd(0xea).set(wire(low));
      code.get(wire(high)).get(scratch).simd(0xeb).set(wire(high));
    } else if (keepMin) {
      code.get(wire(low)).get(wire(high)).simd(0xea).set(wire(low));
    } else {
      code.get(wire(high)).get(wire(low)).simd(0xeb).set(wire(high));
    }
  }
}

/** i8x16.shuffle lanes that move the high two f32 lanes of a vector to its low half. */
export const HIGH_HALF = [8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15];

/** i8x16.shuffle lanes that join the low halves of two vectors (two demoted f64x2 results into one f32x4). */
export const LOW_HALVES = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];

/** Pushes the f64x2 of lanes 0–1 (`half` 0) or 2–3 (`half` 1) of the f32x4 in `local`. */
export function promoteHalf(code: FunctionCode, local: number, half: 0 | 1): FunctionCode {
  code.get(local);
  if (half === 1) code.get(local).shuffle(HIGH_HALF);
  return code.simd(0x5f); // f64x2.promote_low_f32x4
}

/** f64x2 operations a kernel may finish its sums with. */
export const F64X2_MUL = 0xf2;
export const F64X2_DIV = 0xf3;

/** Stores at out + byte the two f64x2 sums (lanes 0–1 and 2–3), each combined with `operand` by `operation` and rounded to float32. */
export function storeSums(column: ColumnCode, sums: readonly [number, number], operation: typeof F64X2_MUL | typeof F64X2_DIV, operand: number): void {
  const { code } = column;
  code.get(column.out).get(column.byte).op(0x6a);
  for (const sum of sums) code.get(sum).f64(operand).simd(0x14).simd(operation).simd(0x5e); // f64x2.splat, the operation, f32x4.demote_f64x2_zero
  code.shuffle(LOW_HALVES).store();
}
