import { describe, expect, it } from 'vitest';
import { gradientChunks } from './payload.js';

/** Reads little-endian float32 values with DataView, independent of the code under test. */
function decode(chunks: ReturnType<typeof gradientChunks>): number[] {
  return chunks.flatMap((chunk) => {
    const data = chunk.data as Uint8Array;
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    return Array.from({ length: Math.floor(data.byteLength / 4) }, (_, i) => view.getFloat32(i * 4, true));
  });
}

describe('push payloads', () => {
  const gradient = Float32Array.from([1.5, -2, 3.25, 4, 5]);

  it('covers the gradient in order, in chunks of at most chunkBytes, for one worker and round', () => {
    const chunks = gradientChunks(7, 3, gradient, 8);
    expect(chunks.map((chunk) => [chunk.workerId, chunk.round, chunk.offset, (chunk.data as Uint8Array).byteLength])).toEqual([
      [7, 3, 0, 8],
      [7, 3, 2, 8],
      [7, 3, 4, 4],
    ]);
    expect(decode(chunks)).toEqual([1.5, -2, 3.25, 4, 5]);
  });

  it('nan-payload sends bytes that all decode to NaN', () => {
    const values = decode(gradientChunks(1, 0, gradient, 1024, { kind: 'nan-payload' }));
    expect(values).toHaveLength(5);
    expect(values.every(Number.isNaN)).toBe(true);
    expect(gradient[0]).toBe(1.5);
  });

  it('stale-round labels every chunk the given number of rounds earlier, never below round 0, and keeps the values', () => {
    const chunks = gradientChunks(4, 9, gradient, 8, { kind: 'stale-round', behind: 2 });
    expect(chunks.map((chunk) => chunk.round)).toEqual([7, 7, 7]);
    expect(decode(chunks)).toEqual([1.5, -2, 3.25, 4, 5]);
    expect(gradientChunks(4, 1, gradient, 1024, { kind: 'stale-round', behind: 2 })[0]!.round).toBe(0);
  });

  it('truncated-payload cuts the last value in half', () => {
    const chunks = gradientChunks(1, 0, gradient, 8, { kind: 'truncated-payload' });
    expect(chunks.map((chunk) => (chunk.data as Uint8Array).byteLength)).toEqual([8, 8, 2]);
  });

  it('wrong-length appends zeros, or leaves out the last values', () => {
    expect(decode(gradientChunks(1, 0, gradient, 1024, { kind: 'wrong-length', extra: 2 }))).toEqual([1.5, -2, 3.25, 4, 5, 0, 0]);
    expect(decode(gradientChunks(1, 0, gradient, 1024, { kind: 'wrong-length', extra: -2 }))).toEqual([1.5, -2, 3.25]);
    expect(decode(gradientChunks(1, 0, gradient, 1024, { kind: 'wrong-length', extra: -9 }))).toEqual([1.5]);
  });
});
