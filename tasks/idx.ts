import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { DatasetError } from './errors.js';

/** An IDX array of unsigned bytes: its dimensions (outermost first) and its values in row-major order. */
export interface IdxArray {
  readonly dimensions: readonly number[];
  readonly data: Uint8Array;
}

/** IDX type code of unsigned bytes, the only element type the MNIST-style files use. */
const UNSIGNED_BYTE = 0x08;

/**
 * Parses an IDX file (LeCun et al.'s MNIST format): two zero bytes, a type code, the number of
 * dimensions, each dimension as a big-endian uint32, then the values. Gzip-compressed contents are
 * recognised by their magic bytes. Any mismatch throws a DatasetError naming `source`.
 */
export function parseIdx(contents: Uint8Array, source: string): IdxArray {
  const bytes = contents[0] === 0x1f && contents[1] === 0x8b ? gunzip(contents, source) : contents;
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DatasetError(`${source} is not an IDX file: it must start with two zero bytes, a type code and a dimension count`);
  }
  if (bytes[2] !== UNSIGNED_BYTE) {
    throw new DatasetError(`${source} holds IDX type 0x${bytes[2]!.toString(16).padStart(2, '0')}; only unsigned bytes (0x08) are supported`);
  }
  const rank = bytes[3]!;
  const headerLength = 4 + 4 * rank;
  if (rank === 0 || bytes.length < headerLength) throw new DatasetError(`${source} has a truncated IDX header (${bytes.length} bytes, ${rank} dimensions)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dimensions = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  const expected = dimensions.reduce((product, size) => product * size, 1);
  const actual = bytes.length - headerLength;
  if (actual !== expected) {
    const problem = actual < expected ? 'is truncated' : 'has trailing bytes';
    throw new DatasetError(`${source} ${problem}: dimensions ${dimensions.join('×')} need ${expected} values, found ${actual}`);
  }
  return { dimensions, data: bytes.subarray(headerLength) };
}

/** Reads and parses one IDX file, raw or gzip-compressed. */
export function readIdxFile(path: string): IdxArray {
  let contents: Buffer;
  try {
    contents = readFileSync(path);
  } catch (error) {
    throw new DatasetError(`cannot read ${path}: ${(error as Error).message}`);
  }
  return parseIdx(contents, path);
}

function gunzip(contents: Uint8Array, source: string): Uint8Array {
  try {
    return gunzipSync(contents);
  } catch (error) {
    throw new DatasetError(`${source} is a corrupt gzip file: ${(error as Error).message}`);
  }
}
