// Wasm SIMD kernels over float32 rows that live in the shared gradient memory. Every function
// works on a coordinate range [j0, j1) so that threads can split d; `table` points to n i32 byte
// offsets, one per row. plain.ts reproduces each function's lane layout and operation order
// with scalar code, so both give bit-identical results.

/** Gram blocks are at most this many coordinates; within a block, products accumulate in float32. */
const GRAM_BLOCK: i32 = 4096;

/** Width of one Gram accumulator: two f32x4 vectors, so the two halves add in independent chains. */
const GRAM_LANES: i32 = 8;

@inline function rowAt(table: usize, i: i32): usize {
  return <usize>load<i32>(table + (<usize>i << 2));
}

/** First byte not used by static data; the gradient allocator starts above it. */
export function heapBase(): usize {
  return __heap_base;
}

/**
 * Columns per pass of combine: each row is read in runs this long, because memory streams one
 * long run much faster than many rows interleaved, and the partial sums stay in cache.
 */
const COMBINE_CHUNK: i32 = 65536;

/**
 * out[j] = Σ_i weights[i] · rows[i][j] for j in [j0, j1): the weights are rounded to float32 and
 * each column accumulates w·x in float32, in row order from +0. Rows with weight 0 must be left out
 * of the table by the caller.
 */
export function combine(table: usize, n: i32, weights: usize, out: usize, j0: i32, j1: i32): void {
  for (let start = j0; start < j1; start += COMBINE_CHUNK) {
    const end = min(start + COMBINE_CHUNK, j1);
    for (let i = 0; i < n; i++) {
      const weight = <f32>load<f64>(weights + (<usize>i << 3));
      const w = f32x4.splat(weight);
      const row = rowAt(table, i);
      let j = start;
      for (; j + 4 <= end; j += 4) {
        const byte = <usize>j << 2;
        const sum = i == 0 ? f32x4.splat(0) : v128.load(out + byte);
        v128.store(out + byte, f32x4.add(sum, f32x4.mul(w, v128.load(row + byte))));
      }
      for (; j < end; j++) {
        const byte = <usize>j << 2;
        const sum: f32 = i == 0 ? 0 : load<f32>(out + byte);
        store<f32>(out + byte, sum + weight * load<f32>(row + byte));
      }
    }
  }
}

/** Adds the products of the last `count` (< 8) coordinates into lanes 0..count−1 of the two accumulators. */
@inline function tailProducts(acc: v128, a: usize, b: usize, count: i32): v128 {
  if (count > 0) acc = f32x4.replace_lane(acc, 0, f32x4.extract_lane(acc, 0) + load<f32>(a) * load<f32>(b));
  if (count > 1) acc = f32x4.replace_lane(acc, 1, f32x4.extract_lane(acc, 1) + load<f32>(a, 4) * load<f32>(b, 4));
  if (count > 2) acc = f32x4.replace_lane(acc, 2, f32x4.extract_lane(acc, 2) + load<f32>(a, 8) * load<f32>(b, 8));
  if (count > 3) acc = f32x4.replace_lane(acc, 3, f32x4.extract_lane(acc, 3) + load<f32>(a, 12) * load<f32>(b, 12));
  return acc;
}

/** Sums the 8 float32 lanes of (even, odd) in float64, in the fixed tree ((0+1)+(2+3))+((4+5)+(6+7)). */
@inline function laneSum(even: v128, odd: v128): f64 {
  const e01 = f64x2.promote_low_f32x4(even);
  const e23 = f64x2.promote_low_f32x4(i32x4.shuffle(even, even, 2, 3, 2, 3));
  const o01 = f64x2.promote_low_f32x4(odd);
  const o23 = f64x2.promote_low_f32x4(i32x4.shuffle(odd, odd, 2, 3, 2, 3));
  return (f64x2.extract_lane(e01, 0) + f64x2.extract_lane(e01, 1)) + (f64x2.extract_lane(e23, 0) + f64x2.extract_lane(e23, 1))
    + ((f64x2.extract_lane(o01, 0) + f64x2.extract_lane(o01, 1)) + (f64x2.extract_lane(o23, 0) + f64x2.extract_lane(o23, 1)));
}

@inline function pairIndex(i: i32, k: i32): i32 {
  return i >= k ? ((i * (i + 1)) >> 1) + k : ((k * (k + 1)) >> 1) + i;
}

/** Dot products of rows a0, a1 with rows b0, b1 over one block: four pairs, sharing loads. */
function tile2x2(a0: usize, a1: usize, b0: usize, b1: usize, length: i32, out: usize, p00: i32, p01: i32, p10: i32, p11: i32): void {
  let e00 = f32x4.splat(0), o00 = f32x4.splat(0), e01 = f32x4.splat(0), o01 = f32x4.splat(0);
  let e10 = f32x4.splat(0), o10 = f32x4.splat(0), e11 = f32x4.splat(0), o11 = f32x4.splat(0);
  const whole = length & ~(GRAM_LANES - 1);
  for (let byte: usize = 0; byte < (<usize>whole << 2); byte += 32) {
    const x0 = v128.load(a0 + byte), y0 = v128.load(a0 + byte, 16);
    const x1 = v128.load(a1 + byte), y1 = v128.load(a1 + byte, 16);
    const u0 = v128.load(b0 + byte), w0 = v128.load(b0 + byte, 16);
    const u1 = v128.load(b1 + byte), w1 = v128.load(b1 + byte, 16);
    e00 = f32x4.add(e00, f32x4.mul(x0, u0)); o00 = f32x4.add(o00, f32x4.mul(y0, w0));
    e01 = f32x4.add(e01, f32x4.mul(x0, u1)); o01 = f32x4.add(o01, f32x4.mul(y0, w1));
    e10 = f32x4.add(e10, f32x4.mul(x1, u0)); o10 = f32x4.add(o10, f32x4.mul(y1, w0));
    e11 = f32x4.add(e11, f32x4.mul(x1, u1)); o11 = f32x4.add(o11, f32x4.mul(y1, w1));
  }
  const rest = length - whole;
  if (rest > 0) {
    const t = <usize>whole << 2;
    e00 = tailProducts(e00, a0 + t, b0 + t, rest); o00 = tailProducts(o00, a0 + t + 16, b0 + t + 16, rest - 4);
    e01 = tailProducts(e01, a0 + t, b1 + t, rest); o01 = tailProducts(o01, a0 + t + 16, b1 + t + 16, rest - 4);
    e10 = tailProducts(e10, a1 + t, b0 + t, rest); o10 = tailProducts(o10, a1 + t + 16, b0 + t + 16, rest - 4);
    e11 = tailProducts(e11, a1 + t, b1 + t, rest); o11 = tailProducts(o11, a1 + t + 16, b1 + t + 16, rest - 4);
  }
  store<f64>(out + (<usize>p00 << 3), laneSum(e00, o00));
  store<f64>(out + (<usize>p01 << 3), laneSum(e01, o01));
  store<f64>(out + (<usize>p10 << 3), laneSum(e10, o10));
  store<f64>(out + (<usize>p11 << 3), laneSum(e11, o11));
}

/** Dot products of row a with rows b0, b1 over one block. */
function tile1x2(a: usize, b0: usize, b1: usize, length: i32, out: usize, p0: i32, p1: i32): void {
  let e0 = f32x4.splat(0), o0 = f32x4.splat(0), e1 = f32x4.splat(0), o1 = f32x4.splat(0);
  const whole = length & ~(GRAM_LANES - 1);
  for (let byte: usize = 0; byte < (<usize>whole << 2); byte += 32) {
    const x = v128.load(a + byte), y = v128.load(a + byte, 16);
    e0 = f32x4.add(e0, f32x4.mul(x, v128.load(b0 + byte))); o0 = f32x4.add(o0, f32x4.mul(y, v128.load(b0 + byte, 16)));
    e1 = f32x4.add(e1, f32x4.mul(x, v128.load(b1 + byte))); o1 = f32x4.add(o1, f32x4.mul(y, v128.load(b1 + byte, 16)));
  }
  const rest = length - whole;
  if (rest > 0) {
    const t = <usize>whole << 2;
    e0 = tailProducts(e0, a + t, b0 + t, rest); o0 = tailProducts(o0, a + t + 16, b0 + t + 16, rest - 4);
    e1 = tailProducts(e1, a + t, b1 + t, rest); o1 = tailProducts(o1, a + t + 16, b1 + t + 16, rest - 4);
  }
  store<f64>(out + (<usize>p0 << 3), laneSum(e0, o0));
  store<f64>(out + (<usize>p1 << 3), laneSum(e1, o1));
}

/** Squared norm of one row over one block. */
function squaredNorm(a: usize, length: i32, out: usize, p: i32): void {
  let e = f32x4.splat(0), o = f32x4.splat(0);
  const whole = length & ~(GRAM_LANES - 1);
  for (let byte: usize = 0; byte < (<usize>whole << 2); byte += 32) {
    const x = v128.load(a + byte), y = v128.load(a + byte, 16);
    e = f32x4.add(e, f32x4.mul(x, x)); o = f32x4.add(o, f32x4.mul(y, y));
  }
  const rest = length - whole;
  if (rest > 0) {
    const t = <usize>whole << 2;
    e = tailProducts(e, a + t, a + t, rest); o = tailProducts(o, a + t + 16, a + t + 16, rest - 4);
  }
  store<f64>(out + (<usize>p << 3), laneSum(e, o));
}

/**
 * Per-block partial Gram matrices for the blocks of [j0, j1) (j0 a multiple of the block size):
 * out[b·n(n+1)/2 + i(i+1)/2 + k] (k ≤ i) is the dot product of rows i and k over block b.
 * Summing the blocks in order is left to the caller, so any split of d gives the same total.
 */
export function gramBlocks(table: usize, n: i32, j0: i32, j1: i32, out: usize): void {
  const pairs = (n * (n + 1)) >> 1;
  for (let start = j0; start < j1; start += GRAM_BLOCK) {
    const length = min(GRAM_BLOCK, j1 - start);
    const byte = <usize>start << 2;
    for (let i = 0; i < n; i += 2) {
      const a0 = rowAt(table, i) + byte;
      if (i + 1 < n) {
        // Tiles of two rows by two rows; the diagonal tile computes (i, i+1) twice, harmlessly.
        const a1 = rowAt(table, i + 1) + byte;
        for (let k = 0; k <= i; k += 2) {
          const b0 = rowAt(table, k) + byte;
          const b1 = rowAt(table, k + 1) + byte;
          tile2x2(a0, a1, b0, b1, length, out, pairIndex(i, k), pairIndex(i, k + 1), pairIndex(i + 1, k), pairIndex(i + 1, k + 1));
        }
      } else {
        for (let k = 0; k < i; k += 2) {
          tile1x2(a0, rowAt(table, k) + byte, rowAt(table, k + 1) + byte, length, out, pairIndex(i, k), pairIndex(i, k + 1));
        }
        squaredNorm(a0, length, out, pairIndex(i, i));
      }
    }
    out += <usize>pairs << 3;
  }
}

/** Coordinates scanned between two checks of the non-finite flag. */
const SCAN_CHUNK: i32 = 1024;

/**
 * Scans rows in order over [j0, j1) for a NaN or ±Infinity (all exponent bits set). Returns the
 * first such row, or −1, and writes the coordinate to `where`.
 */
export function findNonFinite(table: usize, n: i32, j0: i32, j1: i32, where: usize): i32 {
  const exponent = i32x4.splat(0x7f800000);
  for (let i = 0; i < n; i++) {
    const row = rowAt(table, i);
    for (let start = j0; start < j1; start += SCAN_CHUNK) {
      const end = min(start + SCAN_CHUNK, j1);
      let flags = i32x4.splat(0);
      let j = start;
      for (; j + 4 <= end; j += 4) {
        flags = v128.or(flags, i32x4.eq(v128.and(v128.load(row + (<usize>j << 2)), exponent), exponent));
      }
      let found = v128.any_true(flags);
      for (; j < end; j++) found = found || (load<i32>(row + (<usize>j << 2)) & 0x7f800000) == 0x7f800000;
      if (!found) continue;
      for (j = start; j < end; j++) {
        if ((load<i32>(row + (<usize>j << 2)) & 0x7f800000) == 0x7f800000) {
          store<i32>(where, j);
          return i;
        }
      }
    }
  }
  return -1;
}
