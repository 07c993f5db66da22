import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../random.js';
import type { Gradient } from '../types.js';
import { GradientMemory } from './gradient-memory.js';
import { loadKernelModule } from './kernel-instance.js';
import type { Kernels } from './kernels.js';
import { plainKernels } from './plain.js';
import { createSimdKernels, singleThreadExecutor } from './simd.js';

const memory = new GradientMemory(1);
const module = loadKernelModule();
if (module === undefined) throw new Error('kernels.wasm is missing: run npm run build:wasm (npm test does it)');
const simd = createSimdKernels('simd', memory, singleThreadExecutor(module, memory));

/** A value drawn to stress the kernels: ties from a small set, signed zeros, or magnitudes over many decades. */
function awkwardValue(random: SeededRandom): number {
  const pick = random.next();
  if (pick < 0.3) return [-2, -1, -0.5, 0.5, 1, 2][Math.floor(random.next() * 6)]!;
  if (pick < 0.4) return random.next() < 0.5 ? -0 : 0;
  return (random.next() - 0.5) * 10 ** (6 * random.next() - 3);
}

/** The element types rows come in. */
const elementTypes = [Float32Array, Float64Array] as const;
type ElementType = (typeof elementTypes)[number];

/** A zeroed row of `type` in the gradient memory; give it back with freeRow. */
function allocateRow(type: ElementType, d: number): Gradient {
  const offset = memory.allocate(d * type.BYTES_PER_ELEMENT);
  const row = type === Float32Array ? memory.float32(offset, d) : memory.float64(offset, d);
  row.fill(0);
  return row;
}

function freeRow(row: Gradient): void {
  memory.release(memory.offsetOf(row)!);
}

/** n rows of `type` in the gradient memory; some rows repeat an earlier one exactly. */
function memoryRows(type: ElementType, random: SeededRandom, n: number, d: number): Gradient[] {
  const rows: Gradient[] = [];
  for (let i = 0; i < n; i++) {
    const row = allocateRow(type, d);
    if (i > 0 && random.next() < 0.15) row.set(rows[Math.floor(random.next() * i)]!);
    else for (let j = 0; j < d; j++) row[j] = awkwardValue(random);
    rows.push(row);
  }
  return rows;
}

function expectBitIdentical(actual: Float32Array | Float64Array, expected: Float32Array | Float64Array, what: string): void {
  expect(actual.length).toBe(expected.length);
  for (let j = 0; j < actual.length; j++) {
    if (!Object.is(actual[j], expected[j])) throw new Error(`${what}: differs at ${j}: ${actual[j]} vs ${expected[j]}`);
  }
}

const sizes = [1, 3, 4, 5, 7, 8, 9, 13, 31, 4095, 4096, 4097, 8195, 12_301];
/** (n, d) cases: every n from 1 to 40, each with two dimensions taken in turn from `sizes`. */
const cases = Array.from({ length: 40 }, (_, index) => index + 1).flatMap((n): [number, number][] => [
  [n, sizes[n % sizes.length]!],
  [n, sizes[(3 * n + 5) % sizes.length]!],
]).concat([[100, 13], [257, 5]]);

function withRows<T>(type: ElementType, seed: number, n: number, d: number, use: (rows: Gradient[], random: SeededRandom) => T): T {
  const random = SeededRandom.fromSeed(seed);
  const rows = memoryRows(type, random, n, d);
  try {
    return use(rows, random);
  } finally {
    rows.forEach(freeRow);
  }
}

/** The parameters each column kernel is checked with for n rows: every one for small n, a few beyond. */
const columnKernelParameters = {
  trimmedMean: (n: number) => (n <= 40 ? Array.from({ length: Math.floor((n + 1) / 2) }, (_, trim) => trim) : [0, 1, Math.floor((n - 1) / 2)]),
  meanAroundMedian: (n: number) => (n <= 20 ? Array.from({ length: n }, (_, drop) => drop) : [0, 1, 2, Math.floor(n / 2), n - 2, n - 1]),
};

describe.each(elementTypes)('SIMD kernels match the plain kernels bit for bit on %o rows', (type) => {
  it('gram', () => {
    for (const [n, d] of cases) {
      withRows(type, n * 1000 + d, n, d, (rows) => { expectBitIdentical(simd.gram(rows), plainKernels.gram(rows), `gram n=${n} d=${d}`); });
    }
  });

  it('combine, with several outputs, zero and negative weights, outputs inside and outside the memory', () => {
    for (const [n, d] of cases) {
      withRows(type, n * 1000 + d + 1, n, d, (rows, random) => {
        const m = 3;
        const weights = Float64Array.from({ length: m * n }, (_, index) => (index % 4 === 1 ? 0 : random.next() - 0.3));
        const inside = allocateRow(type, d);
        const outs = [new type(d), inside, new type(d)];
        const expected = [new type(d), new type(d), new type(d)];
        simd.combine(rows, weights, outs);
        plainKernels.combine(rows, weights, expected);
        outs.forEach((out, k) => { expectBitIdentical(out, expected[k]!, `combine n=${n} d=${d} output ${k}`); });
        freeRow(inside);
      });
    }
  });

  it.each(Object.entries(columnKernelParameters))('%s for every trim or drop that keeps a value (a few for large n), with the kept counts', (method, parameters) => {
    const kernel = method as keyof typeof columnKernelParameters;
    for (const [n, d] of cases) {
      withRows(type, n * 1000 + d + 2, n, d, (rows) => {
        for (const parameter of parameters(n)) {
          const out = new type(d);
          const expected = new type(d);
          const kept = new Float64Array(n).fill(1);
          const expectedKept = new Float64Array(n).fill(1);
          simd[kernel](rows, parameter, out, kept);
          plainKernels[kernel](rows, parameter, expected, expectedKept);
          expectBitIdentical(out, expected, `${kernel} n=${n} d=${d} parameter=${parameter}`);
          expectBitIdentical(kept, expectedKept, `kept counts n=${n} d=${d} parameter=${parameter}`);
        }
      });
    }
  });

  it('findNonFinite reports the first NaN or ±Infinity in row order', () => {
    for (const [n, d] of cases) {
      withRows(type, n * 1000 + d + 3, n, d, (rows, random) => {
        expect(simd.findNonFinite(rows)).toBeUndefined();
        for (const bad of [NaN, Infinity, -Infinity]) {
          const row = Math.floor(random.next() * n);
          const index = Math.floor(random.next() * d);
          const later = Math.min(n - 1, row + 1);
          rows[later]![d - 1] = NaN;
          rows[row]![index] = bad;
          expect(simd.findNonFinite(rows)).toEqual(plainKernels.findNonFinite(rows));
          expect(simd.findNonFinite(rows)).toMatchObject({ row, index });
          rows[later]![d - 1] = 0;
          rows[row]![index] = 0;
        }
      });
    }
  });

  it('falls back to the plain kernels for rows outside the memory', () => {
    const random = SeededRandom.fromSeed(11);
    const rows = Array.from({ length: 5 }, () => new type(37).map(() => awkwardValue(random)));
    expectBitIdentical(simd.gram(rows), plainKernels.gram(rows), 'gram fallback');
    const out = new type(37);
    const expected = new type(37);
    simd.trimmedMean(rows, 1, out, new Float64Array(5));
    plainKernels.trimmedMean(rows, 1, expected, new Float64Array(5));
    expectBitIdentical(out, expected, 'trimmedMean fallback');
  });

  it('keeps the methods it does not accelerate from the plain kernels', () => {
    const methods = Object.keys(plainKernels).filter((key) => key !== 'name') as (keyof Kernels)[];
    for (const method of methods) expect(typeof simd[method]).toBe('function');
    withRows(type, 5, 4, 9, (rows) => {
      expectBitIdentical(simd.dots(rows, rows[0]!), plainKernels.dots(rows, rows[0]!), 'dots');
    });
  });
});

describe('withStagedRows', () => {
  it('hands over copies in the memory, at their rows’ alignment modulo 8, and releases them after the call', () => {
    const random = SeededRandom.fromSeed(21);
    const storage = Float32Array.from({ length: 3 * 37 + 1 }, () => awkwardValue(random));
    const inside = memory.allocateGradient(37);
    // Rows starting 4 bytes past an 8-byte boundary, one row twice, one already in the memory.
    const outside = [storage.subarray(1, 38), storage.subarray(38, 75), storage.subarray(75, 112)];
    const rows = [outside[0]!, inside, outside[1]!, outside[2]!, outside[0]!];
    const before = memory.allocatedBytes;
    const staged = simd.withStagedRows(rows, (copies) => {
      expect(memory.allocatedBytes).toBeGreaterThan(before);
      return copies.map((copy) => ({ offset: memory.offsetOf(copy), alignment: copy.byteOffset % 8, values: Array.from(copy), same: copy }));
    });
    expect(memory.allocatedBytes).toBe(before);
    staged.forEach(({ offset, alignment, values }, i) => {
      expect(offset).toBeDefined();
      expect(alignment).toBe(rows[i]!.byteOffset % 8);
      expect(values).toEqual(Array.from(rows[i]!));
    });
    expect(staged[1]!.same).toBe(inside);
    expect(staged[4]!.same).toBe(staged[0]!.same);
    memory.freeGradient(inside);
  });

  it('stages float64 rows the same way', () => {
    const rows = [Float64Array.of(1, -0, 2.5), Float64Array.of(Math.PI, 1e300, -1e-300)];
    const staged = simd.withStagedRows(rows, (copies) => copies.map((copy) => ({ inMemory: memory.offsetOf(copy) !== undefined, type: copy.constructor, values: Array.from(copy) })));
    staged.forEach(({ inMemory, type, values }, i) => {
      expect(inMemory).toBe(true);
      expect(type).toBe(Float64Array);
      expect(values).toEqual(Array.from(rows[i]!));
    });
  });

  it('releases the copies when the call throws, and passes rows a full region cannot hold as they are', () => {
    const rows = [new Float32Array(8), new Float32Array(8)];
    const before = memory.allocatedBytes;
    expect(() => simd.withStagedRows(rows, () => { throw new Error('inside'); })).toThrow('inside');
    expect(memory.allocatedBytes).toBe(before);
    const region = GradientMemory.region(memory.memory, 0, 0);
    const inRegion = createSimdKernels('simd', region, singleThreadExecutor(module, region));
    expect(inRegion.withStagedRows(rows, (given) => given)).toBe(rows);
  });
});

/** Dekker's exact product: p + e = a·b exactly (split at 2^27 + 1, no fused multiply-add needed). */
function twoProduct(a: number, b: number): [number, number] {
  const p = a * b;
  const split = (x: number): [number, number] => {
    const c = 134_217_729 * x;
    const high = c - (c - x);
    return [high, x - high];
  };
  const [ah, al] = split(a);
  const [bh, bl] = split(b);
  return [p, al * bl - (p - ah * bh - al * bh - ah * bl)];
}

/** Dot2 (Ogita, Rump, Oishi, 2005): a dot product as accurate as one computed in twice the float64 precision, then rounded. */
function doubledPrecisionDot(a: Gradient, b: Gradient): number {
  let sum = 0;
  let compensation = 0;
  for (let j = 0; j < a.length; j++) {
    const [product, productError] = twoProduct(a[j]!, b[j]!);
    const next = sum + product;
    const z = next - sum;
    compensation += sum - (next - z) + (product - z) + productError;
    sum = next;
  }
  return sum + compensation;
}

describe('plain float32 kernels agree with a float64 brute force', () => {
  const f32 = 2 ** -23;

  it('gram within float32 accumulation error of the exact dot products', () => {
    for (const [n, d] of cases.filter(([, d]) => d > 4000)) {
      withRows(Float32Array, n + d, n, d, (rows) => {
        const gram = plainKernels.gram(rows);
        for (let i = 0; i < n; i++) {
          for (let k = 0; k < n; k++) {
            let exact = 0;
            let magnitude = 0;
            for (let j = 0; j < d; j++) {
              exact += rows[i]![j]! * rows[k]![j]!;
              magnitude += Math.abs(rows[i]![j]! * rows[k]![j]!);
            }
            expect(Math.abs(gram[i * n + k]! - exact)).toBeLessThanOrEqual(64 * f32 * magnitude);
          }
        }
      });
    }
  });

  it('float64 gram within float64 accumulation error of dot products in twice the precision', () => {
    const f64 = 2 ** -52;
    for (const [n, d] of cases.filter(([n, d]) => d > 4000 && n <= 20)) {
      withRows(Float64Array, n + d, n, d, (rows) => {
        const gram = plainKernels.gram(rows);
        for (let i = 0; i < n; i++) {
          for (let k = 0; k <= i; k++) {
            let magnitude = 0;
            for (let j = 0; j < d; j++) magnitude += Math.abs(rows[i]![j]! * rows[k]![j]!);
            expect(Math.abs(gram[i * n + k]! - doubledPrecisionDot(rows[i]!, rows[k]!))).toBeLessThanOrEqual(64 * f64 * magnitude);
          }
        }
      });
    }
  });

  it('combine within n float32 roundings of Σ|w·x|', () => {
    for (const [n, d] of cases) {
      withRows(Float32Array, n + d + 1, n, d, (rows, random) => {
        const weights = Float64Array.from({ length: n }, () => random.next() - 0.5);
        const out = new Float32Array(d);
        plainKernels.combine(rows, weights, [out]);
        for (let j = 0; j < d; j++) {
          let exact = 0;
          let magnitude = 0;
          rows.forEach((row, i) => {
            exact += weights[i]! * row[j]!;
            magnitude += Math.abs(weights[i]! * row[j]!);
          });
          expect(Math.abs(out[j]! - exact)).toBeLessThanOrEqual(2 * (n + 1) * f32 * magnitude + Number.MIN_VALUE);
        }
      });
    }
  });

  it('trimmedMean within one float32 rounding of the sorted definition, with exact kept counts', () => {
    for (const [n, d] of cases.filter(([, d]) => d < 5000)) {
      withRows(Float32Array, n + d + 2, n, d, (rows) => {
        const trim = Math.floor((n - 1) / 3);
        const out = new Float32Array(d);
        const kept = new Float64Array(n);
        plainKernels.trimmedMean(rows, trim, out, kept);
        const expectedKept = new Array<number>(n).fill(0);
        for (let j = 0; j < d; j++) {
          const column = rows.map((row) => row[j]!);
          const middle = column.slice().sort((a, b) => a - b).slice(trim, n - trim);
          const mean = middle.reduce((sum, value) => sum + value, 0) / middle.length;
          const largest = Math.max(...middle.map(Math.abs));
          expect(Math.abs(out[j]! - mean)).toBeLessThanOrEqual(f32 * largest);
          column.forEach((value, i) => { if (value >= middle[0]! && value <= middle[middle.length - 1]!) expectedKept[i]! += 1; });
        }
        expect(Array.from(kept)).toEqual(expectedKept);
      });
    }
  });

  it('gives the median of a hand-checkable column, +0 for a zero result', () => {
    const rows = [[3, -0], [1, -0], [2, 0], [10, -0]].map((values) => {
      const row = memory.allocateGradient(2);
      row.set(values);
      return row;
    });
    const out = new Float32Array(2);
    const kept = new Float64Array(4);
    for (const kernels of [plainKernels, simd]) {
      kept.fill(0);
      kernels.trimmedMean(rows, 1, out, kept);
      expect(Array.from(out)).toEqual([2.5, 0]);
      expect(Object.is(out[1], 0)).toBe(true);
      expect(Array.from(kept)).toEqual([2, 1, 2, 1]);
    }
    rows.forEach((row) => { memory.freeGradient(row); });
  });
});

describe('GradientMemory', () => {
  it('allocates zeroed, 64-byte-aligned rows that it recognises, and reuses freed space', () => {
    const local = new GradientMemory(2);
    const row = local.allocateGradient(10);
    expect(row.byteOffset % 64).toBe(0);
    expect(Array.from(row)).toEqual(new Array(10).fill(0));
    expect(local.offsetOf(row)).toBe(row.byteOffset);
    expect(local.offsetOf(new Float32Array(10))).toBeUndefined();
    expect(memory.offsetOf(row)).toBeUndefined();
    local.freeGradient(row);
    expect(local.allocateGradient(10).byteOffset).toBe(row.byteOffset);
  });

  it('grows on demand and keeps rows allocated before the growth valid and recognised', () => {
    const local = new GradientMemory(2);
    const early = local.allocateGradient(1000);
    early[999] = 7;
    const large = local.allocateGradient(1_000_000);
    large[999_999] = 3;
    expect(local.memory.buffer.byteLength).toBeGreaterThanOrEqual(4_000_000);
    expect(early[999]).toBe(7);
    expect(local.offsetOf(early)).toBe(early.byteOffset);
    expect(local.offsetOf(large)).toBe(large.byteOffset);
  });

  it('refuses to free an array it did not allocate', () => {
    expect(() => { memory.freeGradient(new Float32Array(4)); }).toThrow(/not allocated in the gradient memory/);
  });
});
