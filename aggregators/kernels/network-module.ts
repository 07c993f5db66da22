import { orderStatisticNetwork } from './sorting-network.js';
import { WASM_MAX_PAGES } from './wasm-api.js';

/**
 * Emits a WebAssembly module specialised to one (n, trim): the pruned comparator network runs on
 * four coordinates at a time in f32x4 registers, then the kept values are summed in float64.
 * Generating it for the n at hand keeps every wire in a register, which a general loop cannot.
 *
 * Export `run(table, j0, j1, out, counts)`: for j in [j0, j1) (a multiple of 4 wide) writes the
 * trimmed mean of column j to the float32 at out + 4j, and adds to the i32 counts[i] how many
 * of row i's values lay within the kept range. Kept values are added in ascending order from +0
 * in float64, multiplied by 1/(n − 2·trim) and rounded to float32, exactly as plain.ts does.
 */
export function trimmedMeanModule(n: number, trim: number): Uint8Array {
  const first = trim;
  const last = n - 1 - trim;
  const body = new Code();
  const param = { table: 0, j0: 1, j1: 2, out: 3, counts: 4 };
  const rowPtr = (i: number) => 5 + i;
  const byte = 5 + n;
  const end = 6 + n;
  const wire = (i: number) => 7 + n + i;
  const counter = (i: number) => 7 + 2 * n + i;
  const [sumLow, sumHigh, scratch] = [7 + 3 * n, 8 + 3 * n, 9 + 3 * n];
  body.locals([[n + 2, I32], [2 * n + 3, V128]]);

  for (let i = 0; i < n; i++) {
    body.get(param.table).op(0x28, 2, 4 * i).set(rowPtr(i)); // i32.load offset=4i
    body.i32(0).simd(0x11).set(counter(i)); // i32x4.splat 0
  }
  body.get(param.j0).i32(2).op(0x74).set(byte); // byte = j0 << 2
  body.get(param.j1).i32(2).op(0x74).set(end);
  body.op(0x02, 0x40).op(0x03, 0x40); // block, loop
  body.get(byte).get(end).op(0x4f).op(0x0d, 1); // br_if 1 (byte ≥u end)

  for (let i = 0; i < n; i++) body.get(rowPtr(i)).get(byte).op(0x6a).load().set(wire(i));
  for (const { low, high, keepMin, keepMax } of orderStatisticNetwork(n, first, last)) {
    // pmin(a, b) = b < a ? b : a and pmax(b, a) = b < a ? a : b test the same predicate, so the
    // pair is an exchange of the two values even for −0 and +0, which compare equal.
    if (keepMin && keepMax) {
      body.get(wire(low)).set(scratch);
      body.get(scratch).get(wire(high)).simd(0xea).set(wire(low));
      body.get(wire(high)).get(scratch).simd(0xeb).set(wire(high));
    } else if (keepMin) {
      body.get(wire(low)).get(wire(high)).simd(0xea).set(wire(low));
    } else {
      body.get(wire(high)).get(wire(low)).simd(0xeb).set(wire(high));
    }
  }

  body.f64(0).simd(0x14).set(sumLow).f64(0).simd(0x14).set(sumHigh); // f64x2.splat 0
  for (let k = first; k <= last; k++) {
    body.get(sumLow).get(wire(k)).simd(0x5f).simd(0xf0).set(sumLow); // += promote_low
    body.get(sumHigh).get(wire(k)).get(wire(k)).shuffle(HIGH_HALF).simd(0x5f).simd(0xf0).set(sumHigh);
  }
  const reciprocal = 1 / (last - first + 1);
  body.get(param.out).get(byte).op(0x6a);
  body.get(sumLow).f64(reciprocal).simd(0x14).simd(0xf2).simd(0x5e); // demote(sum · 1/count)
  body.get(sumHigh).f64(reciprocal).simd(0x14).simd(0xf2).simd(0x5e);
  body.shuffle(LOW_HALVES).store();

  for (let i = 0; i < n; i++) {
    body.get(counter(i)).get(rowPtr(i)).get(byte).op(0x6a).load();
    if (first === last) {
      body.get(wire(first)).simd(0x41); // f32x4.eq
    } else {
      body.set(scratch).get(scratch).get(wire(first)).simd(0x46); // f32x4.ge
      body.get(scratch).get(wire(last)).simd(0x45).simd(0x4e); // f32x4.le, v128.and
    }
    body.simd(0xb1).set(counter(i)); // i32x4.sub: a true lane is −1
  }

  body.get(byte).i32(16).op(0x6a).set(byte).op(0x0c, 0).op(0x0b).op(0x0b); // byte += 16; br 0; end; end
  for (let i = 0; i < n; i++) {
    body.get(param.counts).get(param.counts).op(0x28, 2, 4 * i);
    for (let lane = 0; lane < 4; lane++) body.get(counter(i)).simd(0x1b).byte(lane).op(0x6a);
    body.op(0x36, 2, 4 * i); // i32.store offset=4i
  }
  body.op(0x0b);
  return moduleBytes(body.bytes());
}

const I32 = 0x7f;
const V128 = 0x7b;
const HIGH_HALF = [8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15];
const LOW_HALVES = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];

/** A function body in WebAssembly's binary encoding. */
class Code {
  private readonly out: number[] = [];

  locals(groups: [count: number, type: number][]): this {
    this.out.push(...uleb(groups.length));
    for (const [count, type] of groups) this.out.push(...uleb(count), type);
    return this;
  }

  op(...bytesAndImmediates: number[]): this {
    const [opcode, ...immediates] = bytesAndImmediates;
    this.out.push(opcode!);
    for (const value of immediates) this.out.push(...uleb(value));
    return this;
  }

  byte(value: number): this {
    this.out.push(value);
    return this;
  }

  simd(opcode: number): this {
    this.out.push(0xfd, ...uleb(opcode));
    return this;
  }

  get(local: number): this {
    return this.op(0x20, local);
  }

  set(local: number): this {
    return this.op(0x21, local);
  }

  i32(value: number): this {
    this.out.push(0x41, ...sleb(value));
    return this;
  }

  f64(value: number): this {
    this.out.push(0x44, ...new Uint8Array(new Float64Array([value]).buffer));
    return this;
  }

  load(): this {
    this.out.push(0xfd, 0x00, 4, 0); // v128.load align=16 offset=0
    return this;
  }

  store(): this {
    this.out.push(0xfd, 0x0b, 4, 0);
    return this;
  }

  shuffle(lanes: readonly number[]): this {
    this.out.push(0xfd, 0x0d, ...lanes);
    return this;
  }

  bytes(): number[] {
    return this.out;
  }
}

/** Wraps one function body of type (i32 ×5) → () into a module that imports the shared memory and exports it as `run`. */
function moduleBytes(body: number[]): Uint8Array {
  const section = (id: number, content: number[]) => [id, ...uleb(content.length), ...content];
  const name = (text: string) => [...uleb(text.length), ...Array.from(text, (c) => c.charCodeAt(0))];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 5, I32, I32, I32, I32, I32, 0]),
    ...section(2, [1, ...name('env'), ...name('memory'), 0x02, 0x03, ...uleb(1), ...uleb(WASM_MAX_PAGES)]),
    ...section(3, [1, 0]),
    ...section(7, [1, ...name('run'), 0x00, 0]),
    ...section(10, [1, ...uleb(body.length), ...body]),
  ]);
}

function uleb(value: number): number[] {
  const out: number[] = [];
  do {
    let next = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) next |= 0x80;
    out.push(next);
  } while (value > 0);
  return out;
}

function sleb(value: number): number[] {
  const out: number[] = [];
  for (;;) {
    const next = value & 0x7f;
    value >>= 7;
    const done = (value === 0 && (next & 0x40) === 0) || (value === -1 && (next & 0x40) !== 0);
    out.push(done ? next : next | 0x80);
    if (done) return out;
  }
}
