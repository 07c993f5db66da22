import { WASM_MAX_PAGES } from './wasm-api.js';

/** Value types of WebAssembly locals. */
export const I32 = 0x7f;
export const V128 = 0x7b;

/** The body of one WebAssembly function in its binary encoding; locals are declared as they are asked for. */
export class FunctionCode {
  private readonly code: number[] = [];
  private readonly localTypes: number[] = [];

  constructor(private readonly paramCount: number) {}

  /** A new local of `type`; its index follows the parameters and the locals before it. */
  local(type: number): number {
    this.localTypes.push(type);
    return this.paramCount + this.localTypes.length - 1;
  }

  op(...bytesAndImmediates: number[]): this {
    const [opcode, ...immediates] = bytesAndImmediates;
    this.code.push(opcode!);
    for (const value of immediates) this.code.push(...uleb(value));
    return this;
  }

  byte(value: number): this {
    this.code.push(value);
    return this;
  }

  simd(opcode: number): this {
    this.code.push(0xfd, ...uleb(opcode));
    return this;
  }

  get(local: number): this {
    return this.op(0x20, local);
  }

  set(local: number): this {
    return this.op(0x21, local);
  }

  i32(value: number): this {
    this.code.push(0x41, ...sleb(value));
    return this;
  }

  i64(value: number): this {
    this.code.push(0x42, ...sleb(value));
    return this;
  }

  f64(value: number): this {
    this.code.push(0x44, ...new Uint8Array(new Float64Array([value]).buffer));
    return this;
  }

  /** v128.load of the address on the stack (align=16, offset 0). */
  load(): this {
    this.code.push(0xfd, 0x00, 4, 0);
    return this;
  }

  /** v128.store of (address, value) on the stack (align=16, offset 0). */
  store(): this {
    this.code.push(0xfd, 0x0b, 4, 0);
    return this;
  }

  shuffle(lanes: readonly number[]): this {
    this.code.push(0xfd, 0x0d, ...lanes);
    return this;
  }

  /** The encoded body: local declarations (runs of one type), the code, and the closing `end`. */
  bytes(): number[] {
    const runs: [count: number, type: number][] = [];
    for (const type of this.localTypes) {
      const last = runs[runs.length - 1];
      if (last?.[1] === type) last[0]++;
      else runs.push([1, type]);
    }
    return [...uleb(runs.length), ...runs.flatMap(([count, type]) => [...uleb(count), type]), ...this.code, 0x0b];
  }
}

/** Wraps one function body of type (i32 ×5) → () into a module that imports the shared memory and exports it as `run`. */
export function runModule(body: FunctionCode): Uint8Array {
  const code = body.bytes();
  const section = (id: number, content: number[]) => [id, ...uleb(content.length), ...content];
  const name = (text: string) => [...uleb(text.length), ...Array.from(text, (c) => c.charCodeAt(0))];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 5, I32, I32, I32, I32, I32, 0]),
    ...section(2, [1, ...name('env'), ...name('memory'), 0x02, 0x03, ...uleb(1), ...uleb(WASM_MAX_PAGES)]),
    ...section(3, [1, 0]),
    ...section(7, [1, ...name('run'), 0x00, 0]),
    ...section(10, [1, ...uleb(code.length), ...code]),
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
