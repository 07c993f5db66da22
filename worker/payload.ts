import type { GradientChunk } from '../proto/protocol.js';
import { tensorChunks } from '../proto/tensor-chunks.js';
import type { SystemFault } from './faults.js';

/** The payload faults: what they do to the bytes of a push. */
export type PayloadFault = Extract<SystemFault, { kind: 'nan-payload' | 'truncated-payload' | 'wrong-length' | 'stale-round' }>;

/** 0xFFFFFFFF read as a float32 has an all-ones exponent and a non-zero mantissa: a NaN. */
const NAN_BYTE = 0xff;

/**
 * The chunks of one push of `gradient` for (worker, round), at most `chunkBytes` each, as views on
 * the gradient's memory; a payload fault replaces or bends the bytes first.
 */
export function gradientChunks(workerId: number, round: number, gradient: Float32Array, chunkBytes: number, fault?: PayloadFault): GradientChunk[] {
  let values = gradient;
  if (fault?.kind === 'nan-payload') {
    values = new Float32Array(gradient.length);
    new Uint8Array(values.buffer).fill(NAN_BYTE);
  } else if (fault?.kind === 'wrong-length') {
    // At least one coordinate stays, so even a short push is a real stream with data.
    values = new Float32Array(Math.max(1, gradient.length + fault.extra));
    values.set(gradient.subarray(0, values.length));
  }
  const label = fault?.kind === 'stale-round' ? Math.max(0, round - fault.behind) : round;
  const chunks = [...tensorChunks(values, chunkBytes)].map((chunk) => ({ workerId, round: label, offset: chunk.offset, data: chunk.data }));
  const last = chunks.at(-1);
  if (fault?.kind === 'truncated-payload' && last !== undefined) {
    // Two bytes short: the last value is cut in half, as a connection dropped mid-write would leave it.
    chunks[chunks.length - 1] = { ...last, data: last.data.subarray(0, Math.max(0, last.data.byteLength - 2)) };
  }
  return chunks;
}
