/** Test helper: the bytes of an IDX file (0, 0, type, rank, big-endian uint32 dimensions, values), written out by hand. */
export function idxBytes(dimensions: readonly number[], values: ArrayLike<number>, type = 0x08): Uint8Array {
  const header = [0, 0, type, dimensions.length];
  for (const size of dimensions) header.push((size >>> 24) & 0xff, (size >>> 16) & 0xff, (size >>> 8) & 0xff, size & 0xff);
  return Uint8Array.from([...header, ...Array.from(values)]);
}
