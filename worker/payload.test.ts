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
    const chunks = gradientChunks({ workerId: 7, round: 3, gradient, chunkBytes: 8 });
    expect(chunks.map((chunk) => [chunk.workerId, chunk.round, chunk.offset, (chunk.data as Uint8Array).byteLength])).toEqual([
      [7, 3, 0, 8],
      [7, 3, 2, 8],
      [7, 3, 4, 4],
    ]);
    expect(decode(chunks)).toEqual([1.5, -2, 3.25, 4, 5]);
  });

  it('nan-payload sends bytes that all decode to NaN', () => {
    const values = decode(gradientChunks({ workerId: 1, round: 0, gradient, chunkBytes: 1024, fault: { kind: 'nan-payload' } }));
    expect(values).toHaveLength(5);
    expect(values.every(Number.isNaN)).toBe(true);
    expect(gradient[0]).toBe(1.5);
  });

  it('stale-round labels every chunk the given number of rounds earlier, never below round 0, and keeps the values', () => {
    const chunks = gradientChunks({ workerId: 4, round: 9, gradient, chunkBytes: 8, fault: { kind: 'stale-round', behind: 2 } });
    expect(chunks.map((chunk) => chunk.round)).toEqual([7, 7, 7]);
    expect(decode(chunks)).toEqual([1.5, -2, 3.25, 4, 5]);
    expect(gradientChunks({ workerId: 4, round: 1, gradient, chunkBytes: 1024, fault: { kind: 'stale-round', behind: 2 } })[0]!.round).toBe(0);
  });

  it('truncated-payload cuts the last value in half', () => {
    const chunks = gradientChunks({ workerId: 1, round: 0, gradient, chunkBytes: 8, fault: { kind: 'truncated-payload' } });
    expect(chunks.map((chunk) => (chunk.data as Uint8Array).byteLength)).toEqual([8, 8, 2]);
  });

  it('wrong-length appends zeros, or leaves out the last values', () => {
    expect(decode(gradientChunks({ workerId: 1, round: 0, gradient, chunkBytes: 1024, fault: { kind: 'wrong-length', extra: 2 } }))).toEqual([1.5, -2, 3.25, 4, 5, 0, 0]);
    expect(decode(gradientChunks({ workerId: 1, round: 0, gradient, chunkBytes: 1024, fault: { kind: 'wrong-length', extra: -2 } }))).toEqual([1.5, -2, 3.25]);
    expect(decode(gradientChunks({ workerId: 1, round: 0, gradient, chunkBytes: 1024, fault: { kind: 'wrong-length', extra: -9 } }))).toEqual([1.5]);
  });

  it('bfloat16: half the bytes, each chunk of at most chunkBytes labelled BFLOAT16, the upper halves of the float32 values', () => {
    const chunks = gradientChunks({ workerId: 2, round: 1, gradient, chunkBytes: 4, encoding: 'BFLOAT16' });
    expect(chunks.map((chunk) => [chunk.offset, (chunk.data as Uint8Array).byteLength, chunk.encoding])).toEqual([
      [0, 4, 'BFLOAT16'],
      [2, 4, 'BFLOAT16'],
      [4, 2, 'BFLOAT16'],
    ]);
    const widened = chunks.flatMap((chunk) => {
      const data = chunk.data as Uint8Array;
      const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
      return Array.from({ length: data.byteLength / 2 }, (_, i) => new DataView(new Uint32Array([view.getUint16(i * 2, true) << 16]).buffer).getFloat32(0, true));
    });
    // These values have at most 8 significant bits, so bfloat16 holds them exactly.
    expect(widened).toEqual([1.5, -2, 3.25, 4, 5]);
    const truncated = gradientChunks({ workerId: 2, round: 1, gradient, chunkBytes: 1024, encoding: 'BFLOAT16', fault: { kind: 'truncated-payload' } });
    expect((truncated[0]!.data as Uint8Array).byteLength).toBe(9);
  });
});

