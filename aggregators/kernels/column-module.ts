import type { CompareOp } from './sorting-network.js';
import { FunctionCode, I32, runModule, V128 } from './wasm-encoder.js';

/** i8x16.shuffle lanes that move the high two f32 lanes of a vector to its low half. */
const HIGH_HALF = [8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15];

/** i8x16.shuffle lanes that join the low halves of two vectors (two demoted f64x2 results into one f32x4). */
const LOW_HALVES = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];

/** i8x16.shuffle lanes that take the low i32 of each i64 lane of two vectors: two i64x2 as one i32x4. */
const LOW_WORDS = [0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27];

/**
 * How a column kernel handles one element type. A wire (one v128) holds 16 >> shift coordinates;
 * sums are float64, so a wire's values are taken as half as many f64x2 vectors; lane masks and
 * counts are integers of the lane's width.
 */
export interface ElementType {
  /** log2 of the element's bytes. */
  readonly shift: 2 | 3;
  /** pmin, pmax, eq, ge, le of the float lanes. */
  readonly compare: { readonly pmin: number; readonly pmax: number; readonly eq: number; readonly ge: number; readonly le: number };
  /** Pushes half `half` of the wire in `local` as an f64x2. */
  pushHalf(code: FunctionCode, local: number, half: number): FunctionCode;
  /** Rounds the f64x2 on the stack to the element type (a half of a wire's width). */
  narrowHalf(code: FunctionCode): FunctionCode;
  /** Pops the narrowed halves (pushed in order) and pushes them as one wire. */
  joinHalves(code: FunctionCode): FunctionCode;
  /** Pops the i64x2 counts of the halves and pushes them as one integer vector of the lane width. */
  joinCounts(code: FunctionCode): FunctionCode;
  /** Pushes an integer vector of the lane width with every lane `value`. */
  splatInteger(code: FunctionCode, value: number): FunctionCode;
  /** Opcodes of sub and ge_s on integers of the lane width, and of extracting one such lane. */
  readonly integer: { readonly sub: number; readonly geSigned: number; readonly extractLane: number };
}

export const FLOAT32: ElementType = {
  shift: 2,
  compare: { pmin: 0xea, pmax: 0xeb, eq: 0x41, ge: 0x46, le: 0x45 },
  pushHalf: (code, local, half) => {
    code.get(local);
    if (half === 1) code.get(local).shuffle(HIGH_HALF);
    return code.simd(0x5f); // f64x2.promote_low_f32x4
  },
  narrowHalf: (code) => code.simd(0x5e), // f32x4.demote_f64x2_zero
  joinHalves: (code) => code.shuffle(LOW_HALVES),
  joinCounts: (code) => code.shuffle(LOW_WORDS),
  splatInteger: (code, value) => code.i32(value).simd(0x11),
  integer: { sub: 0xb1, geSigned: 0x3f, extractLane: 0x1b },
};

export const FLOAT64: ElementType = {
  shift: 3,
  compare: { pmin: 0xf6, pmax: 0xf7, eq: 0x47, ge: 0x4c, le: 0x4b },
  pushHalf: (code, local) => code.get(local),
  narrowHalf: (code) => code,
  joinHalves: (code) => code,
  joinCounts: (code) => code,
  splatInteger: (code, value) => code.i64(value).simd(0x12),
  integer: { sub: 0xd1, geSigned: 0xdb, extractLane: 0x1d },
};

/** How many f64x2 vectors one wire's values make. */
export function halvesOf(element: ElementType): number {
  return 8 >> element.shift;
}

/** What a generated column kernel's own code works with, one wire of coordinates at a time. */
export interface ColumnCode {
  readonly code: FunctionCode;
  readonly element: ElementType;
  /** The local holding row i's values at the current coordinates. */
  readonly wire: (i: number) => number;
  /** The local holding the byte offset of the current coordinates. */
  readonly byte: number;
  /** The parameter holding the byte offset of the output. */
  readonly out: number;
}

/** Locals holding, per lane, the smallest and largest value the kernel kept (the same local when it keeps one). */
export interface KeptRange {
  readonly low: number;
  readonly high: number;
}

/**
 * Emits a WebAssembly module with one function `run(table, j0, j1, out, counts)` for n rows of
 * `element` whose byte offsets are the n i32 at `table`. For j in [j0, j1) (a multiple of the lane
 * count wide), one v128 of coordinates at a time, it loads each row's values into a wire, runs the
 * code `emitColumns` emits (which writes the output at out + j·bytes and names its kept range), then
 * adds to the i32 counts[i] how many of row i's values lay within that range. Generating the module
 * for the n at hand keeps every wire in a register, which a general loop cannot.
 */
export function columnKernelModule(n: number, element: ElementType, emitColumns: (column: ColumnCode) => KeptRange): Uint8Array {
  const param = { table: 0, j0: 1, j1: 2, out: 3, counts: 4 };
  const code = new FunctionCode(5);
  const rowPtrs = Array.from({ length: n }, () => code.local(I32));
  const byte = code.local(I32);
  const end = code.local(I32);
  const wires = Array.from({ length: n }, () => code.local(V128));
  const counters = Array.from({ length: n }, () => code.local(V128));
  const scratch = code.local(V128);
  const { compare, integer } = element;

  for (let i = 0; i < n; i++) {
    code.get(param.table).op(0x28, 2, 4 * i).set(rowPtrs[i]!); // i32.load offset=4i
    element.splatInteger(code, 0).set(counters[i]!);
  }
  code.get(param.j0).i32(element.shift).op(0x74).set(byte); // byte = j0 << shift
  code.get(param.j1).i32(element.shift).op(0x74).set(end);
  code.op(0x02, 0x40).op(0x03, 0x40); // block, loop
  code.get(byte).get(end).op(0x4f).op(0x0d, 1); // br_if 1 (byte ≥u end)

  for (let i = 0; i < n; i++) code.get(rowPtrs[i]!).get(byte).op(0x6a).load().set(wires[i]!);
  const { low, high } = emitColumns({ code, element, wire: (i) => wires[i]!, byte, out: param.out });

  for (let i = 0; i < n; i++) {
    code.get(counters[i]!).get(rowPtrs[i]!).get(byte).op(0x6a).load();
    if (low === high) {
      code.get(low).simd(compare.eq);
    } else {
      code.set(scratch).get(scratch).get(low).simd(compare.ge);
      code.get(scratch).get(high).simd(compare.le).simd(0x4e); // v128.and
    }
    code.simd(integer.sub).set(counters[i]!); // a true lane is −1
  }

  code.get(byte).i32(16).op(0x6a).set(byte).op(0x0c, 0).op(0x0b).op(0x0b); // byte += 16; br 0; end; end
  for (let i = 0; i < n; i++) {
    code.get(param.counts).get(param.counts).op(0x28, 2, 4 * i);
    for (let lane = 0; lane < 16 >> element.shift; lane++) {
      code.get(counters[i]!).simd(integer.extractLane).byte(lane);
      if (element.shift === 3) code.op(0xa7); // i32.wrap_i64
      code.op(0x6a);
    }
    code.op(0x36, 2, 4 * i); // i32.store offset=4i
  }
  return runModule(code);
}

/**
 * Emits a comparator network on the wires. pmin(a, b) = b < a ? b : a and pmax(b, a) = b < a ? a : b
 * test the same predicate, so a pair is an exchange of the two values even for −0 and +0, which compare equal.
 */
export function emitNetwork(column: ColumnCode, ops: readonly CompareOp[]): void {
  const { code, wire } = column;
  const { pmin, pmax } = column.element.compare;
  const scratch = code.local(V128);
  for (const { low, high, keepMin, keepMax } of ops) {
    if (keepMin && keepMax) {
      code.get(wire(low)).set(scratch);
      code.get(scratch).get(wire(high)).simd(pmin).set(wire(low));
      code.get(wire(high)).get(scratch).simd(pmax).set(wire(high));
    } else if (keepMin) {
      code.get(wire(low)).get(wire(high)).simd(pmin).set(wire(low));
    } else {
      code.get(wire(high)).get(wire(low)).simd(pmax).set(wire(high));
    }
  }
}

/** New locals holding, per f64x2 half of a wire, the float64 sum from +0 of the given wires' values in order. */
export function emitSums(column: ColumnCode, values: readonly number[]): number[] {
  const { code, element } = column;
  return Array.from({ length: halvesOf(element) }, (_, half) => {
    const sum = code.local(V128);
    code.f64(0).simd(0x14).set(sum); // f64x2.splat 0
    for (const value of values) element.pushHalf(code.get(sum), value, half).simd(0xf0).set(sum); // f64x2.add
    return sum;
  });
}

/** f64x2 operations a kernel may finish its sums with. */
export const F64X2_MUL = 0xf2;
export const F64X2_DIV = 0xf3;

/** Stores at out + byte the sums (one per half), each combined with `operand` by `operation` and rounded to the element type. */
export function storeSums(column: ColumnCode, sums: readonly number[], operation: typeof F64X2_MUL | typeof F64X2_DIV, operand: number): void {
  const { code, element } = column;
  code.get(column.out).get(column.byte).op(0x6a);
  for (const sum of sums) element.narrowHalf(code.get(sum).f64(operand).simd(0x14).simd(operation)); // f64x2.splat, the operation
  element.joinHalves(code).store();
}
