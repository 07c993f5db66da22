/** Largest tensor chunk on the wire: far below gRPC's 4 MiB message limit. */
export const MAX_CHUNK_BYTES = 1024 * 1024;

/** One wire chunk: coordinates [offset, offset + data.byteLength / bytes per value) as little-endian bytes. */
export interface TensorChunk {
  readonly offset: number;
  readonly data: Uint8Array;
}

/**
 * Splits a vector (float32 values, or bfloat16 bits) into chunks of at most `chunkBytes` bytes, as
 * views on the vector's own memory (no copy; the platform is little-endian, checked where
 * gradients are ingested).
 */
export function* tensorChunks(values: Float32Array | Uint16Array, chunkBytes = MAX_CHUNK_BYTES): Generator<TensorChunk> {
  const width = values.BYTES_PER_ELEMENT;
  const perChunk = Math.max(1, Math.floor(chunkBytes / width));
  for (let offset = 0; offset < values.length; offset += perChunk) {
    const count = Math.min(perChunk, values.length - offset);
    yield { offset, data: new Uint8Array(values.buffer, values.byteOffset + offset * width, count * width) };
  }
}
