import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DatasetError } from './errors.js';
import { idxBytes } from './idx-testing.js';
import { parseIdx, readIdxFile } from './idx.js';

describe('IDX reader', () => {
  const directory = mkdtempSync(join(tmpdir(), 'byzps-idx-'));
  const values = [0, 1, 2, 253, 254, 255];

  it('reads a raw 2×3 file and a gzip-compressed copy to the same dimensions and values', () => {
    const bytes = idxBytes([2, 3], values);
    writeFileSync(join(directory, 'raw-idx2-ubyte'), bytes);
    writeFileSync(join(directory, 'packed-idx2-ubyte.gz'), gzipSync(bytes));
    for (const name of ['raw-idx2-ubyte', 'packed-idx2-ubyte.gz']) {
      const array = readIdxFile(join(directory, name));
      expect(array.dimensions).toEqual([2, 3]);
      expect(Array.from(array.data)).toEqual(values);
    }
  });

  it('reads dimensions above 2¹⁶ as big-endian uint32', () => {
    const array = parseIdx(idxBytes([70_000], new Array<number>(70_000).fill(7)), 'big');
    expect(array.dimensions).toEqual([70_000]);
    expect(array.data.length).toBe(70_000);
  });

  it('rejects a bad magic, an unsupported type, a truncated header, truncated data and trailing bytes', () => {
    const cases: [Uint8Array, RegExp][] = [
      [Uint8Array.from([1, 0, 8, 1, 0, 0, 0, 1, 5]), /not an IDX file/],
      [idxBytes([1], [0, 0, 0, 0], 0x0d), /IDX type 0x0d; only unsigned bytes/],
      [Uint8Array.from([0, 0, 8, 2, 0, 0, 0]), /truncated IDX header/],
      [idxBytes([2, 3], values.slice(0, 5)), /is truncated: dimensions 2×3 need 6 values, found 5/],
      [idxBytes([2, 3], [...values, 9]), /has trailing bytes: dimensions 2×3 need 6 values, found 7/],
    ];
    for (const [bytes, message] of cases) {
      expect(() => parseIdx(bytes, 'case')).toThrow(DatasetError);
      expect(() => parseIdx(bytes, 'case')).toThrow(message);
    }
  });

  it('rejects a corrupt gzip stream and a missing file with the path in the message', () => {
    const packed = gzipSync(idxBytes([2, 3], values));
    const corrupt = packed.subarray(0, packed.length - 6);
    expect(() => parseIdx(corrupt, 'cut.gz')).toThrow(/cut\.gz is a corrupt gzip file/);
    expect(() => readIdxFile(join(directory, 'absent'))).toThrow(/cannot read .*absent/);
  });
});
