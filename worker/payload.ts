import type { GradientChunk } from '../proto/protocol.js';
import { tensorChunks } from '../proto/tensor-chunks.js';
import { BYTES_PER_VALUE, toBfloat16, type GradientEncoding } from '../proto/tensor-encoding.js';
import type { SystemFault } from './faults.js';

/** The payload faults: what they do to the bytes of a push. */
export type PayloadFault = Extract<SystemFault, { kind: 'nan-payload' | 'truncated-payload' | 'wrong-length' | 'stale-round' }>;

/** 0xFFFFFFFF read as a float32 has an all-ones exponent and a non-zero mantissa: a NaN. */
const NAN_BYTE = 0xff;

/** One push: whose, for which round, what, and how it travels. */
export interface PushPayload {
  readonly workerId: number;
  readonly round: number;
  readonly gradient: Float32Array;
  readonly chunkBytes: number;
  readonly encoding?: GradientEncoding;
  readonly fault?: PayloadFault;
}

/**
 * The chunks of one push, at most `chunkBytes` each, as views on the gradient's memory (float32) or
 * on its bfloat16 bits; a payload fault replaces or bends the values first.
 */
export function gradientChunks({ workerId, round, gradient, chunkBytes, encoding = 'FLOAT32', fault }: PushPayload): GradientChunk[] {
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
  const wire = encoding === 'BFLOAT16' ? toBfloat16(values) : values;
  const chunks = [...tensorChunks(wire, chunkBytes)].map((chunk) => ({ workerId, round: label, offset: chunk.offset, data: chunk.data, encoding }));
  const last = chunks.at(-1);
  if (fault?.kind === 'truncated-payload' && last !== undefined) {
    // Half a value short: the last value is cut in two, as a connection dropped mid-write would leave it.
    chunks[chunks.length - 1] = { ...last, data: last.data.subarray(0, Math.max(0, last.data.byteLength - BYTES_PER_VALUE[encoding] / 2)) };
  }
  return chunks;
}
