// Wasm SIMD kernels over float32 and float64 rows that live in the shared gradient memory. Every
// function works on a coordinate range [j0, j1) so that threads can split d; `table` points to n
// i32 byte offsets, one per row. Each kernel is written once, generic over the element type T, and
// exported for f32 (plain name) and f64 (name ending in 64). plain.ts reproduces each function's
// lane layout and operation order with scalar code, so both give bit-identical results.

/** Gram blocks are at most this many coordinates; within a block, products accumulate in T. */
const GRAM_BLOCK: i32 = 4096;

@inline function rowAt(table: usize, i: i32): usize {
  return <usize>load<i32>(table + (<usize>i << 2));
}

/** Elements of T in one v128. */
@inline function lanes<T>(): i32 {
  return <i32>(16 / sizeof<T>());
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
 * out[j] = Σ_i weights[i] · rows[i][j] for j in [j0, j1): the weights are rounded to T and each
 * column accumulates w·x in T, in row order from +0. Rows with weight 0 must be left out of the
 * table by the caller.
 */
@inline function combineOf<T>(table: usize, n: i32, weights: usize, out: usize, j0: i32, j1: i32): void {
  const shift = alignof<T>();
  for (let start = j0; start < j1; start += COMBINE_CHUNK) {
    const end = min(start + COMBINE_CHUNK, j1);
    for (let i = 0; i < n; i++) {
      const weight = <T>load<f64>(weights + (<usize>i << 3));
      const w = v128.splat<T>(weight);
      const row = rowAt(table, i);
      let j = start;
      for (; j + lanes<T>() <= end; j += lanes<T>()) {
        const byte = <usize>j << shift;
        const sum = i == 0 ? v128.splat<T>(<T>0) : v128.load(out + byte);
        v128.store(out + byte, v128.add<T>(sum, v128.mul<T>(w, v128.load(row + byte))));
      }
      for (; j < end; j++) {
        const byte = <usize>j << shift;
        const sum: T = i == 0 ? <T>0 : load<T>(out + byte);
        store<T>(out + byte, sum + weight * load<T>(row + byte));
      }
    }
  }
}

export function combine(table: usize, n: i32, weights: usize, out: usize, j0: i32, j1: i32): void {
  combineOf<f32>(table, n, weights, out, j0, j1);
}

export function combine64(table: usize, n: i32, weights: usize, out: usize, j0: i32, j1: i32): void {
  combineOf<f64>(table, n, weights, out, j0, j1);
}

/** Adds the products of the last `count` (< lanes) coordinates into lanes 0..count−1 of an accumulator. */
@inline function tailProducts<T>(acc: v128, a: usize, b: usize, count: i32): v128 {
  const size = sizeof<T>();
  if (count > 0) acc = v128.replace_lane<T>(acc, 0, v128.extract_lane<T>(acc, 0) + load<T>(a) * load<T>(b));
  if (count > 1) acc = v128.replace_lane<T>(acc, 1, v128.extract_lane<T>(acc, 1) + load<T>(a + size) * load<T>(b + size));
  if (lanes<T>() == 4) {
    if (count > 2) acc = v128.replace_lane<T>(acc, 2, v128.extract_lane<T>(acc, 2) + load<T>(a + 2 * size) * load<T>(b + 2 * size));
    if (count > 3) acc = v128.replace_lane<T>(acc, 3, v128.extract_lane<T>(acc, 3) + load<T>(a + 3 * size) * load<T>(b + 3 * size));
  }
  return acc;
}

/**
 * Sums the lanes of an accumulator (even, odd) in float64 in a fixed tree: for f32,
 * ((0+1)+(2+3))+((4+5)+(6+7)), the lanes promoted; for f64, (0+1)+(2+3).
 */
@inline function laneSum<T>(even: v128, odd: v128): f64 {
  if (sizeof<T>() == 8) {
    return (f64x2.extract_lane(even, 0) + f64x2.extract_lane(even, 1)) + (f64x2.extract_lane(odd, 0) + f64x2.extract_lane(odd, 1));
  }
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

/** Bytes of one Gram accumulator: its even and odd vectors, 8 float32 or 4 float64 lanes (lane = offset in block mod that). */
const ACCUMULATOR_BYTES: usize = 32;

/** Scratch bytes gramBlocks needs per thread: the accumulators of one tile (GRAM_SCRATCH_BYTES in kernel-instance.ts). */
const GRAM_SCRATCH_BYTES: usize = 4 * ACCUMULATOR_BYTES;

// The accumulate functions run the whole multiple-of-lanes part of a block and store their
// accumulators at `acc`; finishPair adds the tail and writes the pair's float64 sum. Each loop is a
// function of its own, free of tail code, so that V8 keeps every accumulator in a register: it
// allocates 15 vector registers on x64, and a spilled accumulator puts a store-to-load round trip
// on its dependency chain (2–3× slower). The loops are exported only so that Binaryen does not
// inline them into gramBlocks, where the surrounding loop's values crowd the registers. They also
// bump their row pointers instead of indexing them, and load at most four vectors at a time.

/** Rows a0, a1 against rows b0, b1: four pairs, each loaded vector used twice. */
@inline function accumulate2x2Of<T>(a0: usize, a1: usize, b0: usize, b1: usize, whole: i32, acc: usize): void {
  let e00 = v128.splat<T>(<T>0), o00 = v128.splat<T>(<T>0), e01 = v128.splat<T>(<T>0), o01 = v128.splat<T>(<T>0);
  let e10 = v128.splat<T>(<T>0), o10 = v128.splat<T>(<T>0), e11 = v128.splat<T>(<T>0), o11 = v128.splat<T>(<T>0);
  const end = a0 + (<usize>whole << alignof<T>());
  while (a0 < end) {
    let u = v128.load(b0), w = v128.load(b1);
    let x = v128.load(a0);
    e00 = v128.add<T>(e00, v128.mul<T>(x, u)); e01 = v128.add<T>(e01, v128.mul<T>(x, w));
    x = v128.load(a1);
    e10 = v128.add<T>(e10, v128.mul<T>(x, u)); e11 = v128.add<T>(e11, v128.mul<T>(x, w));
    u = v128.load(b0, 16); w = v128.load(b1, 16);
    x = v128.load(a0, 16);
    o00 = v128.add<T>(o00, v128.mul<T>(x, u)); o01 = v128.add<T>(o01, v128.mul<T>(x, w));
    x = v128.load(a1, 16);
    o10 = v128.add<T>(o10, v128.mul<T>(x, u)); o11 = v128.add<T>(o11, v128.mul<T>(x, w));
    a0 += 32; a1 += 32; b0 += 32; b1 += 32;
  }
  v128.store(acc, e00); v128.store(acc, o00, 16); v128.store(acc, e01, 32); v128.store(acc, o01, 48);
  v128.store(acc, e10, 64); v128.store(acc, o10, 80); v128.store(acc, e11, 96); v128.store(acc, o11, 112);
}

/** Row a against rows b0, b1: two pairs. */
@inline function accumulate1x2Of<T>(a: usize, b0: usize, b1: usize, whole: i32, acc: usize): void {
  let e0 = v128.splat<T>(<T>0), o0 = v128.splat<T>(<T>0), e1 = v128.splat<T>(<T>0), o1 = v128.splat<T>(<T>0);
  const end = a + (<usize>whole << alignof<T>());
  while (a < end) {
    let x = v128.load(a);
    e0 = v128.add<T>(e0, v128.mul<T>(x, v128.load(b0))); e1 = v128.add<T>(e1, v128.mul<T>(x, v128.load(b1)));
    x = v128.load(a, 16);
    o0 = v128.add<T>(o0, v128.mul<T>(x, v128.load(b0, 16))); o1 = v128.add<T>(o1, v128.mul<T>(x, v128.load(b1, 16)));
    a += 32; b0 += 32; b1 += 32;
  }
  v128.store(acc, e0); v128.store(acc, o0, 16); v128.store(acc, e1, 32); v128.store(acc, o1, 48);
}

/** Row a against itself: its squared norm. */
@inline function accumulateNormOf<T>(a: usize, whole: i32, acc: usize): void {
  let e = v128.splat<T>(<T>0), o = v128.splat<T>(<T>0);
  const end = a + (<usize>whole << alignof<T>());
  while (a < end) {
    const x = v128.load(a), y = v128.load(a, 16);
    e = v128.add<T>(e, v128.mul<T>(x, x)); o = v128.add<T>(o, v128.mul<T>(y, y));
    a += 32;
  }
  v128.store(acc, e); v128.store(acc, o, 16);
}

export function accumulate2x2(a0: usize, a1: usize, b0: usize, b1: usize, whole: i32, acc: usize): void {
  accumulate2x2Of<f32>(a0, a1, b0, b1, whole, acc);
}
export function accumulate2x2_64(a0: usize, a1: usize, b0: usize, b1: usize, whole: i32, acc: usize): void {
  accumulate2x2Of<f64>(a0, a1, b0, b1, whole, acc);
}
export function accumulate1x2(a: usize, b0: usize, b1: usize, whole: i32, acc: usize): void {
  accumulate1x2Of<f32>(a, b0, b1, whole, acc);
}
export function accumulate1x2_64(a: usize, b0: usize, b1: usize, whole: i32, acc: usize): void {
  accumulate1x2Of<f64>(a, b0, b1, whole, acc);
}
export function accumulateNorm(a: usize, whole: i32, acc: usize): void {
  accumulateNormOf<f32>(a, whole, acc);
}
export function accumulateNorm64(a: usize, whole: i32, acc: usize): void {
  accumulateNormOf<f64>(a, whole, acc);
}

/** Adds the products of the `rest` coordinates at a, b to the accumulator at acc and stores its float64 lane sum as pair p. */
@inline function finishPair<T>(acc: usize, a: usize, b: usize, rest: i32, out: usize, p: i32): void {
  const even = tailProducts<T>(v128.load(acc), a, b, rest);
  const odd = tailProducts<T>(v128.load(acc, 16), a + 16, b + 16, rest - lanes<T>());
  store<f64>(out + (<usize>p << 3), laneSum<T>(even, odd));
}

/**
 * Per-block partial Gram matrices for the blocks of [j0, j1) (j0 a multiple of the block size):
 * out[b·n(n+1)/2 + i(i+1)/2 + k] (k ≤ i) is the dot product of rows i and k over block b.
 * Summing the blocks in order is left to the caller, so any split of d gives the same total.
 * Rows go in tiles of two by two; the diagonal tile computes (i, i+1) twice, harmlessly.
 * `scratch` holds GRAM_SCRATCH_BYTES for this thread.
 */
@inline function gramBlocksOf<T>(table: usize, n: i32, j0: i32, j1: i32, out: usize, scratch: usize): void {
  const pairs = (n * (n + 1)) >> 1;
  const shift = alignof<T>();
  for (let start = j0; start < j1; start += GRAM_BLOCK) {
    const length = min(GRAM_BLOCK, j1 - start);
    const whole = length & ~(2 * lanes<T>() - 1);
    const rest = length - whole;
    const byte = <usize>start << shift;
    const tail = <usize>whole << shift;
    for (let i = 0; i < n; i += 2) {
      const a0 = rowAt(table, i) + byte;
      if (i + 1 < n) {
        const a1 = rowAt(table, i + 1) + byte;
        for (let k = 0; k <= i; k += 2) {
          const b0 = rowAt(table, k) + byte;
          const b1 = rowAt(table, k + 1) + byte;
          if (sizeof<T>() == 8) accumulate2x2_64(a0, a1, b0, b1, whole, scratch);
          else accumulate2x2(a0, a1, b0, b1, whole, scratch);
          finishPair<T>(scratch, a0 + tail, b0 + tail, rest, out, pairIndex(i, k));
          finishPair<T>(scratch + ACCUMULATOR_BYTES, a0 + tail, b1 + tail, rest, out, pairIndex(i, k + 1));
          finishPair<T>(scratch + 2 * ACCUMULATOR_BYTES, a1 + tail, b0 + tail, rest, out, pairIndex(i + 1, k));
          finishPair<T>(scratch + 3 * ACCUMULATOR_BYTES, a1 + tail, b1 + tail, rest, out, pairIndex(i + 1, k + 1));
        }
      } else {
        for (let k = 0; k < i; k += 2) {
          const b0 = rowAt(table, k) + byte;
          const b1 = rowAt(table, k + 1) + byte;
          if (sizeof<T>() == 8) accumulate1x2_64(a0, b0, b1, whole, scratch);
          else accumulate1x2(a0, b0, b1, whole, scratch);
          finishPair<T>(scratch, a0 + tail, b0 + tail, rest, out, pairIndex(i, k));
          finishPair<T>(scratch + ACCUMULATOR_BYTES, a0 + tail, b1 + tail, rest, out, pairIndex(i, k + 1));
        }
        if (sizeof<T>() == 8) accumulateNorm64(a0, whole, scratch);
        else accumulateNorm(a0, whole, scratch);
        finishPair<T>(scratch, a0 + tail, a0 + tail, rest, out, pairIndex(i, i));
      }
    }
    out += <usize>pairs << 3;
  }
}

export function gramBlocks(table: usize, n: i32, j0: i32, j1: i32, out: usize, scratch: usize): void {
  gramBlocksOf<f32>(table, n, j0, j1, out, scratch);
}

export function gramBlocks64(table: usize, n: i32, j0: i32, j1: i32, out: usize, scratch: usize): void {
  gramBlocksOf<f64>(table, n, j0, j1, out, scratch);
}

/** Coordinates scanned between two checks of the non-finite flag. */
const SCAN_CHUNK: i32 = 1024;

/**
 * Scans rows in order over [j0, j1) for a NaN or ±Infinity (all exponent bits set; I is the
 * integer type of T's width). Returns the first such row, or −1, and writes the coordinate to `where`.
 */
@inline function findNonFiniteOf<T, I>(table: usize, n: i32, j0: i32, j1: i32, where: usize, exponentBits: I): i32 {
  const shift = alignof<T>();
  const exponent = v128.splat<I>(exponentBits);
  for (let i = 0; i < n; i++) {
    const row = rowAt(table, i);
    for (let start = j0; start < j1; start += SCAN_CHUNK) {
      const end = min(start + SCAN_CHUNK, j1);
      let flags = v128.splat<I>(<I>0);
      let j = start;
      for (; j + lanes<T>() <= end; j += lanes<T>()) {
        flags = v128.or(flags, v128.eq<I>(v128.and(v128.load(row + (<usize>j << shift)), exponent), exponent));
      }
      let found = v128.any_true(flags);
      for (; j < end; j++) found = found || (load<I>(row + (<usize>j << shift)) & exponentBits) == exponentBits;
      if (!found) continue;
      for (j = start; j < end; j++) {
        if ((load<I>(row + (<usize>j << shift)) & exponentBits) == exponentBits) {
          store<i32>(where, j);
          return i;
        }
      }
    }
  }
  return -1;
}

export function findNonFinite(table: usize, n: i32, j0: i32, j1: i32, where: usize): i32 {
  return findNonFiniteOf<f32, i32>(table, n, j0, j1, where, 0x7f800000);
}

export function findNonFinite64(table: usize, n: i32, j0: i32, j1: i32, where: usize): i32 {
  return findNonFiniteOf<f64, i64>(table, n, j0, j1, where, 0x7ff0000000000000);
}
