import { describe, expect, it } from 'vitest';
import { allocateGradient, freeGradient } from '../aggregators/index.js';
import { toBfloat16, type GradientEncoding } from '../proto/tensor-encoding.js';
import { InvalidGradientError, LimitExceededError } from './errors.js';
import { GradientAssembly } from './ingest.js';

/** Little-endian float32 bytes of `values`, written with DataView so the test does not share the code's copy path. */
function bytesOf(values: readonly number[], leadingPad = 0): Uint8Array {
  const buffer = new ArrayBuffer(leadingPad + values.length * 4);
  const view = new DataView(buffer);
  values.forEach((value, i) => {
    view.setFloat32(leadingPad + i * 4, value, true);
  });
  // A view that starts at an odd address, like the slices gRPC hands over.
  return new Uint8Array(buffer, leadingPad);
}

function assembly(dimension: number, maxChunkBytes = 1024, encoding: GradientEncoding = 'FLOAT32'): GradientAssembly {
  return new GradientAssembly({ dimension, maxChunkBytes, encoding }, new Float32Array(dimension));
}

function reasonOf(call: () => unknown): string | undefined {
  try {
    call();
  } catch (error) {
    return (error as { reason?: string }).reason;
  }
  return undefined;
}

describe('GradientAssembly', () => {
  it('assembles chunks sent out of order from unaligned buffers', () => {
    const target = assembly(5);
    target.addChunk(3, bytesOf([4, 5], 1));
    target.addChunk(0, bytesOf([1, 2, 3], 3));
    expect(Array.from(target.finish())).toEqual([1, 2, 3, 4, 5]);
  });

  it('copies chunks into the shared gradient memory exactly from every source alignment, at odd and even coordinates', () => {
    const d = 1001;
    const values = Array.from({ length: d }, (_, j) => Math.sin(j) * 1e3);
    for (let pad = 0; pad < 8; pad++) {
      const buffer = allocateGradient(d);
      const gradient = new GradientAssembly({ dimension: d, maxChunkBytes: 4096, encoding: 'FLOAT32' }, buffer);
      // Chunks starting at coordinates 0, 333 and 667: destination addresses ≡ 0 and 4 (mod 8).
      for (const [start, end] of [[333, 667], [0, 333], [667, d]] as const) gradient.addChunk(start, bytesOf(values.slice(start, end), pad));
      expect(Array.from(gradient.finish())).toEqual(values.map(Math.fround));
      freeGradient(buffer);
    }
  });

  it('rejects a gradient with missing coordinates as wrong_length', () => {
    const target = assembly(4);
    target.addChunk(0, bytesOf([1, 2, 3]));
    expect(() => target.finish()).toThrow(InvalidGradientError);
    expect(() => target.finish()).toThrow(/3 values, expected d = 4/);
  });

  it('rejects overlapping chunks and names the overlap', () => {
    const target = assembly(6);
    target.addChunk(0, bytesOf([1, 2, 3]));
    expect(reasonOf(() => { target.addChunk(2, bytesOf([9, 9])); })).toBe('chunk_overlap');
    expect(() => { target.addChunk(2, bytesOf([9, 9])); }).toThrow(/overlaps coordinates \[2, 3\)/);
  });

  it('detects an overlap with a chunk sent earlier out of order', () => {
    const target = assembly(10);
    target.addChunk(6, bytesOf([1, 1]));
    target.addChunk(0, bytesOf([1, 1]));
    expect(reasonOf(() => { target.addChunk(3, bytesOf([1, 1, 1, 1])); })).toBe('chunk_overlap');
    target.addChunk(2, bytesOf([1, 1, 1, 1]));
    target.addChunk(8, bytesOf([1, 1]));
    expect(target.finish()).toHaveLength(10);
  });

  it('rejects chunks outside [0, d)', () => {
    const target = assembly(4);
    expect(reasonOf(() => { target.addChunk(3, bytesOf([1, 2])); })).toBe('chunk_out_of_range');
    expect(reasonOf(() => { target.addChunk(-1, bytesOf([1])); })).toBe('chunk_out_of_range');
  });

  it('finds the first non-finite coordinate of a chunk in the shared gradient memory (SIMD scan), in the vector lanes and the tail', () => {
    const d = 64;
    for (const bad of [21, 37, 46]) {
      const buffer = allocateGradient(d);
      const values = Array.from({ length: 27 }, (_, i) => (20 + i === bad ? Infinity : i));
      const gradient = new GradientAssembly({ dimension: d, maxChunkBytes: 1024, encoding: 'FLOAT32' }, buffer);
      gradient.addChunk(0, bytesOf(Array.from({ length: 20 }, () => 1)));
      expect(() => { gradient.addChunk(20, bytesOf(values, 1)); }).toThrow(new RegExp(`\\(Infinity\\) at coordinate ${bad}$`));
      freeGradient(buffer);
    }
  });

  it('rejects NaN and infinities with the coordinate', () => {
    expect(reasonOf(() => { assembly(3).addChunk(0, bytesOf([1, NaN, 3])); })).toBe('non_finite');
    expect(() => { assembly(3).addChunk(1, bytesOf([1, -Infinity])); }).toThrow(/-Infinity\) at coordinate 2/);
  });

  it('rejects empty and misaligned chunks', () => {
    expect(reasonOf(() => { assembly(3).addChunk(0, new Uint8Array(0)); })).toBe('misaligned_chunk');
    expect(reasonOf(() => { assembly(3).addChunk(0, new Uint8Array(6)); })).toBe('misaligned_chunk');
  });

  it('cuts off a chunk above the size limit and a stream above d·4 bytes with limit errors', () => {
    const small = assembly(100, 16);
    expect(() => { small.addChunk(0, bytesOf([1, 2, 3, 4, 5])); }).toThrow(LimitExceededError);
    expect(reasonOf(() => { small.addChunk(0, bytesOf([1, 2, 3, 4, 5])); })).toBe('chunk_too_large');
    const full = assembly(2);
    full.addChunk(0, bytesOf([1, 2]));
    expect(reasonOf(() => { full.addChunk(0, bytesOf([1])); })).toBe('stream_too_long');
  });

  it('widens bfloat16 chunks exactly into float32 and refuses a bfloat16 NaN', () => {
    const values = Float32Array.from([1.5, -0.25, 3.0e38, 1e-30]);
    const bits = toBfloat16(values);
    const target = assembly(4, 1024, 'BFLOAT16');
    target.addChunk(2, new Uint8Array(bits.buffer, 4, 4));
    target.addChunk(0, new Uint8Array(bits.buffer, 0, 4));
    // Each value is the float32 with the upper 16 bits sent and zeros below.
    const expected = Array.from(bits, (word) => new Float32Array(new Uint32Array([word << 16]).buffer)[0]);
    expect(Array.from(target.finish())).toEqual(expected);
    expect(expected.slice(0, 2)).toEqual([1.5, -0.25]);
    const nan = assembly(2, 1024, 'BFLOAT16');
    expect(reasonOf(() => { nan.addChunk(0, new Uint8Array(toBfloat16(Float32Array.from([1, NaN])).buffer)); })).toBe('non_finite');
    expect(reasonOf(() => { assembly(3, 1024, 'BFLOAT16').addChunk(0, new Uint8Array(3)); })).toBe('misaligned_chunk');
  });
});

