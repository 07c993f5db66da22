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

/** Adds the products of the last `count` (< 4) coordinates into lanes 0..count−1 of an accumulator. */
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

/** Bytes of one Gram accumulator: the even and odd f32x4 halves of its 8 lanes. */
const ACCUMULATOR_BYTES: usize = 32;

/** Scratch bytes gramBlocks needs per thread: the accumulators of one tile (GRAM_SCRATCH_BYTES in kernel-instance.ts). */
const GRAM_SCRATCH_BYTES: usize = 4 * ACCUMULATOR_BYTES;

// The accumulate functions run the whole multiple-of-8 part of a block and store their accumulators
// at `acc`; finishPair adds the tail and writes the pair's float64 sum. Each loop is a function of
// its own, free of tail code, so that V8 keeps every accumulator in a register: it allocates 15
// vector registers on x64, and a spilled accumulator puts a store-to-load round trip on its
// dependency chain (2–3× slower). They are exported only so that Binaryen does not inline them into
// gramBlocks, where the surrounding loop's values crowd the registers. The loops also bump their row
// pointers instead of indexing them, and load at most four vectors at a time.

/** Rows a0, a1 against rows b0, b1: four pairs, each loaded vector used twice. */
export function accumulate2x2(a0: usize, a1: usize, b0: usize, b1: usize, whole: i32, acc: usize): void {
  let e00 = f32x4.splat(0), o00 = f32x4.splat(0), e01 = f32x4.splat(0), o01 = f32x4.splat(0);
  let e10 = f32x4.splat(0), o10 = f32x4.splat(0), e11 = f32x4.splat(0), o11 = f32x4.splat(0);
  const end = a0 + (<usize>whole << 2);
  while (a0 < end) {
    let u = v128.load(b0), w = v128.load(b1);
    let x = v128.load(a0);
    e00 = f32x4.add(e00, f32x4.mul(x, u)); e01 = f32x4.add(e01, f32x4.mul(x, w));
    x = v128.load(a1);
    e10 = f32x4.add(e10, f32x4.mul(x, u)); e11 = f32x4.add(e11, f32x4.mul(x, w));
    u = v128.load(b0, 16); w = v128.load(b1, 16);
    x = v128.load(a0, 16);
    o00 = f32x4.add(o00, f32x4.mul(x, u)); o01 = f32x4.add(o01, f32x4.mul(x, w));
    x = v128.load(a1, 16);
    o10 = f32x4.add(o10, f32x4.mul(x, u)); o11 = f32x4.add(o11, f32x4.mul(x, w));
    a0 += 32; a1 += 32; b0 += 32; b1 += 32;
  }
  v128.store(acc, e00); v128.store(acc, o00, 16); v128.store(acc, e01, 32); v128.store(acc, o01, 48);
  v128.store(acc, e10, 64); v128.store(acc, o10, 80); v128.store(acc, e11, 96); v128.store(acc, o11, 112);
}

/** Row a against rows b0, b1: two pairs. */
export function accumulate1x2(a: usize, b0: usize, b1: usize, whole: i32, acc: usize): void {
  let e0 = f32x4.splat(0), o0 = f32x4.splat(0), e1 = f32x4.splat(0), o1 = f32x4.splat(0);
  const end = a + (<usize>whole << 2);
  while (a < end) {
    let x = v128.load(a);
    e0 = f32x4.add(e0, f32x4.mul(x, v128.load(b0))); e1 = f32x4.add(e1, f32x4.mul(x, v128.load(b1)));
    x = v128.load(a, 16);
    o0 = f32x4.add(o0, f32x4.mul(x, v128.load(b0, 16))); o1 = f32x4.add(o1, f32x4.mul(x, v128.load(b1, 16)));
    a += 32; b0 += 32; b1 += 32;
  }
  v128.store(acc, e0); v128.store(acc, o0, 16); v128.store(acc, e1, 32); v128.store(acc, o1, 48);
}

/** Row a against itself: its squared norm. */
export function accumulateNorm(a: usize, whole: i32, acc: usize): void {
  let e = f32x4.splat(0), o = f32x4.splat(0);
  const end = a + (<usize>whole << 2);
  while (a < end) {
    const x = v128.load(a), y = v128.load(a, 16);
    e = f32x4.add(e, f32x4.mul(x, x)); o = f32x4.add(o, f32x4.mul(y, y));
    a += 32;
  }
  v128.store(acc, e); v128.store(acc, o, 16);
}

/** Adds the products of the `rest` (< 8) coordinates at a, b to the accumulator at acc and stores its float64 lane sum as pair p. */
function finishPair(acc: usize, a: usize, b: usize, rest: i32, out: usize, p: i32): void {
  const even = tailProducts(v128.load(acc), a, b, rest);
  const odd = tailProducts(v128.load(acc, 16), a + 16, b + 16, rest - 4);
  store<f64>(out + (<usize>p << 3), laneSum(even, odd));
}

/**
 * Per-block partial Gram matrices for the blocks of [j0, j1) (j0 a multiple of the block size):
 * out[b·n(n+1)/2 + i(i+1)/2 + k] (k ≤ i) is the dot product of rows i and k over block b.
 * Summing the blocks in order is left to the caller, so any split of d gives the same total.
 * Rows go in tiles of two by two; the diagonal tile computes (i, i+1) twice, harmlessly.
 * `scratch` holds GRAM_SCRATCH_BYTES for this thread.
 */
export function gramBlocks(table: usize, n: i32, j0: i32, j1: i32, out: usize, scratch: usize): void {
  const pairs = (n * (n + 1)) >> 1;
  for (let start = j0; start < j1; start += GRAM_BLOCK) {
    const length = min(GRAM_BLOCK, j1 - start);
    const whole = length & ~(GRAM_LANES - 1);
    const rest = length - whole;
    const byte = <usize>start << 2;
    const tail = <usize>whole << 2;
    for (let i = 0; i < n; i += 2) {
      const a0 = rowAt(table, i) + byte;
      if (i + 1 < n) {
        const a1 = rowAt(table, i + 1) + byte;
        for (let k = 0; k <= i; k += 2) {
          const b0 = rowAt(table, k) + byte;
          const b1 = rowAt(table, k + 1) + byte;
          accumulate2x2(a0, a1, b0, b1, whole, scratch);
          finishPair(scratch, a0 + tail, b0 + tail, rest, out, pairIndex(i, k));
          finishPair(scratch + ACCUMULATOR_BYTES, a0 + tail, b1 + tail, rest, out, pairIndex(i, k + 1));
          finishPair(scratch + 2 * ACCUMULATOR_BYTES, a1 + tail, b0 + tail, rest, out, pairIndex(i + 1, k));
          finishPair(scratch + 3 * ACCUMULATOR_BYTES, a1 + tail, b1 + tail, rest, out, pairIndex(i + 1, k + 1));
        }
      } else {
        for (let k = 0; k < i; k += 2) {
          const b0 = rowAt(table, k) + byte;
          const b1 = rowAt(table, k + 1) + byte;
          accumulate1x2(a0, b0, b1, whole, scratch);
          finishPair(scratch, a0 + tail, b0 + tail, rest, out, pairIndex(i, k));
          finishPair(scratch + ACCUMULATOR_BYTES, a0 + tail, b1 + tail, rest, out, pairIndex(i, k + 1));
        }
        accumulateNorm(a0, whole, scratch);
        finishPair(scratch, a0 + tail, a0 + tail, rest, out, pairIndex(i, i));
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
