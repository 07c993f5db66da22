import { endianness } from 'node:os';
import { defaultKernels } from '../aggregators/index.js';
import { BYTES_PER_VALUE, widenBfloat16, type GradientEncoding } from '../proto/tensor-encoding.js';
import { InvalidGradientError, LimitExceededError } from './errors.js';

if (endianness() !== 'LE') {
  // Float32Array uses the platform's byte order and the wire format is little-endian.
  throw new Error('byzps needs a little-endian platform');
}

/** Ordinary (non-shared) memory that copyIntoShared stages chunks in; grows to the largest chunk seen. */
let staging = new Uint8Array(0);

/**
 * Copies `data` to byte `at` of `target`. Into shared memory V8 copies byte by byte unless source
 * and destination addresses agree modulo 8, and received bytes sit at any address; staging them in
 * ordinary memory placed at the destination's alignment keeps both copies word-wise (about four
 * times faster for a 1 MiB chunk).
 */
function copyIntoShared(target: Uint8Array, at: number, data: Uint8Array): void {
  const alignment = (target.byteOffset + at) & 7;
  if (!(target.buffer instanceof SharedArrayBuffer) || (data.byteOffset & 7) === alignment) {
    target.set(data, at);
    return;
  }
  if (staging.byteLength < data.byteLength + 8) staging = new Uint8Array(data.byteLength + 8);
  const staged = staging.subarray(alignment, alignment + data.byteLength);
  staged.set(data);
  target.set(staged, at);
}

/** Where each pushed gradient lands: one aligned Float32Array(d) per worker per round, given back when done. */
export interface GradientBuffers {
  allocate(dimension: number): Float32Array;
  release(gradient: Float32Array): void;
}

/** Limits of one push stream, and the encoding its values arrive in. */
export interface IngestLimits {
  readonly dimension: number;
  readonly maxChunkBytes: number;
  readonly encoding: GradientEncoding;
}

/** A half-open range [start, end) of coordinates already written. */
interface Span {
  start: number;
  end: number;
}

/**
 * Assembles one gradient from the chunks of one push stream. Each chunk is checked (size, range,
 * no overlap, finite values) and copied exactly once into the preallocated buffer; `finish` checks
 * that the chunks covered all d coordinates.
 */
export class GradientAssembly {
  private readonly bytes: Uint8Array;
  /** Written ranges, sorted and merged: one span for a stream sent in order. */
  private readonly spans: Span[] = [];
  private receivedValues = 0;

  constructor(private readonly limits: IngestLimits, readonly gradient: Float32Array) {
    if (gradient.length !== limits.dimension) throw new RangeError(`buffer has length ${gradient.length}, expected ${limits.dimension}`);
    this.bytes = new Uint8Array(gradient.buffer, gradient.byteOffset, gradient.byteLength);
  }

  /** Copies (or, from bfloat16, widens) one chunk of values starting at coordinate `offset`. */
  addChunk(offset: number, data: Uint8Array): void {
    const { dimension, maxChunkBytes, encoding } = this.limits;
    const width = BYTES_PER_VALUE[encoding];
    if (data.byteLength > maxChunkBytes) {
      throw new LimitExceededError('chunk_too_large', `chunk of ${data.byteLength} bytes exceeds the limit of ${maxChunkBytes} bytes; split it`);
    }
    if (data.byteLength === 0 || data.byteLength % width !== 0) {
      throw new InvalidGradientError('misaligned_chunk', `chunk at offset ${offset} has ${data.byteLength} bytes, not a positive whole number of ${encoding.toLowerCase()} values`);
    }
    const count = data.byteLength / width;
    if (this.receivedValues + count > dimension) {
      throw new LimitExceededError('stream_too_long', `push stream sent more than d = ${dimension} values`);
    }
    if (!Number.isInteger(offset) || offset < 0 || offset + count > dimension) {
      throw new InvalidGradientError('chunk_out_of_range', `chunk covers coordinates [${offset}, ${offset + count}) outside [0, ${dimension})`);
    }
    this.claim(offset, offset + count);
    if (encoding === 'BFLOAT16') widenBfloat16(data, this.gradient, offset);
    else copyIntoShared(this.bytes, offset * 4, data);
    this.receivedValues += count;
    this.checkFinite(offset, offset + count);
  }

  /** The complete gradient; throws when coordinates are missing. */
  finish(): Float32Array {
    const { dimension } = this.limits;
    if (this.receivedValues !== dimension) {
      throw new InvalidGradientError('wrong_length', `gradient has ${this.receivedValues} values, expected d = ${dimension}`);
    }
    return this.gradient;
  }

  /** The kernels' scan: SIMD when the buffer lives in the shared gradient memory, several times faster than a JS loop. */
  private checkFinite(start: number, end: number): void {
    const found = defaultKernels.findNonFinite([this.gradient.subarray(start, end)]);
    if (found !== undefined) {
      throw new InvalidGradientError('non_finite', `gradient has a non-finite value (${found.value}) at coordinate ${start + found.index}`);
    }
  }

  /** Records [start, end) as written, or throws when it overlaps a written range. */
  private claim(start: number, end: number): void {
    const spans = this.spans;
    // First span that ends after `start`: the only one that could overlap or follow.
    let lo = 0;
    let hi = spans.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (spans[mid]!.end <= start) lo = mid + 1;
      else hi = mid;
    }
    const next = spans[lo];
    if (next !== undefined && next.start < end) {
      throw new InvalidGradientError('chunk_overlap', `chunk [${start}, ${end}) overlaps coordinates [${Math.max(start, next.start)}, ${Math.min(end, next.end)}) already sent`);
    }
    const previous = spans[lo - 1];
    const joinsPrevious = previous !== undefined && previous.end === start;
    const joinsNext = next !== undefined && next.start === end;
    if (joinsPrevious && joinsNext) {
      previous.end = next.end;
      spans.splice(lo, 1);
    } else if (joinsPrevious) {
      previous.end = end;
    } else if (joinsNext) {
      next.start = start;
    } else {
      spans.splice(lo, 0, { start, end });
    }
  }
}
