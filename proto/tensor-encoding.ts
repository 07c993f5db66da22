/**
 * The encodings gradient values travel in (TensorEncoding in the proto): float32 as they are, or
 * bfloat16 — the upper half of each float32, rounded to nearest even — at half the bytes. bfloat16
 * keeps float32's exponent range, so gradients never overflow where float32 would not, and NaN and
 * ±Infinity keep their meaning (and are refused as such). float16 is not offered: its range ends at
 * 65504, which gradients of an attacked or diverging run exceed.
 */
export const GRADIENT_ENCODINGS = ['FLOAT32', 'BFLOAT16'] as const;
export type GradientEncoding = (typeof GRADIENT_ENCODINGS)[number];

export const BYTES_PER_VALUE: Readonly<Record<GradientEncoding, number>> = { FLOAT32: 4, BFLOAT16: 2 };

/** Bits of a float32 NaN, past which (magnitude bits) every value is a NaN. */
const INFINITY_BITS = 0x7f800000;
/** The quiet bit of a bfloat16 NaN: set so that a NaN whose payload sat in the dropped half stays a NaN. */
const QUIET_BFLOAT16 = 0x0040;

/**
 * bfloat16 bits of `values` (into `out` when given), rounded to nearest even; a finite value beyond
 * bfloat16's largest (about 3.39e38) becomes ±Infinity.
 */
export function toBfloat16(values: Float32Array, out = new Uint16Array(values.length)): Uint16Array {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const pairs = values.length >> 1;
  // Two values per 32-bit store: about half the time of one 16-bit store each.
  narrowPairs(bits, new Uint32Array(out.buffer, out.byteOffset, pairs), pairs);
  if ((values.length & 1) === 1) out[values.length - 1] = bfloat16Bits(bits[values.length - 1]!);
  return out;
}

function narrowPairs(bits: Uint32Array, out: Uint32Array, pairs: number): void {
  for (let i = 0; i < pairs; i++) out[i] = bfloat16Bits(bits[2 * i]!) | (bfloat16Bits(bits[2 * i + 1]!) << 16);
}

function bfloat16Bits(float32Bits: number): number {
  if ((float32Bits & 0x7fffffff) > INFINITY_BITS) return (float32Bits >>> 16) | QUIET_BFLOAT16;
  return (float32Bits + 0x7fff + ((float32Bits >>> 16) & 1)) >>> 16;
}

/** Staging for bfloat16 bytes that arrive at an address not a multiple of 4, grown to the largest chunk seen. */
let staging = new Uint32Array(0);

/**
 * Widens the bfloat16 values of `bytes` into `target` from coordinate `at` on: each becomes the
 * float32 with those upper 16 bits and zeros below, exactly.
 */
export function widenBfloat16(bytes: Uint8Array, target: Float32Array, at: number): void {
  const count = bytes.byteLength / 2;
  const words = Math.ceil(bytes.byteLength / 4);
  let source: Uint32Array;
  if ((bytes.byteOffset & 3) === 0 && bytes.byteLength % 4 === 0) {
    source = new Uint32Array(bytes.buffer, bytes.byteOffset, words);
  } else {
    if (staging.length < words) staging = new Uint32Array(words);
    new Uint8Array(staging.buffer, 0, bytes.byteLength).set(bytes);
    source = staging;
  }
  widenPairs(source, new Uint32Array(target.buffer, target.byteOffset + at * 4, count), count);
}

/** Module-level loops with fixed argument types stay optimised from one chunk to the next. */
function widenPairs(source: Uint32Array, out: Uint32Array, count: number): void {
  const pairs = count >> 1;
  for (let i = 0; i < pairs; i++) {
    const word = source[i]!;
    out[2 * i] = word << 16;
    out[2 * i + 1] = word & 0xffff0000;
  }
  if ((count & 1) === 1) out[count - 1] = source[pairs]! << 16;
}
