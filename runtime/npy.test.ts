import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NpyFormatError, decodeNpy, encodeNpy } from './npy.js';
import { runNumpy } from '../test/numpy-runner.js';

/** Builds a .npy file byte by byte from the format description: magic, version, header length, header, data. */
function handMadeNpy(major: number, header: string, data: Uint8Array, headerEncoding: 'latin1' | 'utf8' = 'latin1'): Uint8Array {
  const headerBytes = Buffer.from(header, headerEncoding);
  const lengthBytes = Buffer.alloc(major === 1 ? 2 : 4);
  if (major === 1) lengthBytes.writeUInt16LE(headerBytes.length);
  else lengthBytes.writeUInt32LE(headerBytes.length);
  return Buffer.concat([Buffer.from([0x93]), Buffer.from('NUMPY', 'latin1'), Buffer.from([major, 0]), lengthBytes, headerBytes, data]);
}

function float64Bytes(values: readonly number[], littleEndian = true): Uint8Array {
  const bytes = Buffer.alloc(values.length * 8);
  values.forEach((value, i) => (littleEndian ? bytes.writeDoubleLE(value, i * 8) : bytes.writeDoubleBE(value, i * 8)));
  return bytes;
}

describe('encodeNpy', () => {
  it('writes a version 1.0 header padded with spaces and a newline to a multiple of 64 bytes', () => {
    const bytes = encodeNpy(new Float64Array([1, 2, 3]));
    expect(Array.from(bytes.subarray(0, 8))).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    const headerLength = bytes[8]! + 256 * bytes[9]!;
    expect((10 + headerLength) % 64).toBe(0);
    const header = Buffer.from(bytes.subarray(10, 10 + headerLength)).toString('latin1');
    expect(header).toMatch(/^\{'descr': '<f8', 'fortran_order': False, 'shape': \(3,\), \} *\n$/);
    expect(bytes.length).toBe(10 + headerLength + 3 * 8);
    expect(Buffer.from(bytes.subarray(10 + headerLength)).readDoubleLE(16)).toBe(3);
  });

  it('writes float32 as <f4 and a 2-D shape as a tuple', () => {
    const bytes = encodeNpy(new Float32Array(6), [2, 3]);
    expect(Buffer.from(bytes).toString('latin1')).toContain("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }");
    expect(bytes.length % 64).toBe(24 % 64);
  });

  it('refuses a shape that does not match the data length', () => {
    expect(() => encodeNpy(new Float64Array(5), [2, 3])).toThrow(/shape \(2, 3\) holds 6 values, data has 5/);
  });
});

describe('decodeNpy', () => {
  it('round-trips float32 and float64 arrays of several shapes', () => {
    for (const [Values, dtype] of [[Float32Array, 'float32'], [Float64Array, 'float64']] as const) {
      for (const shape of [[5], [3, 4], [2, 1, 3], [0, 3], []]) {
        const count = shape.reduce((product, size) => product * size, 1);
        const data = new Values(count);
        for (let i = 0; i < count; i++) data[i] = (i - 2.5) / 3;
        const decoded = decodeNpy(encodeNpy(data, shape));
        expect(decoded.dtype).toBe(dtype);
        expect(decoded.shape).toEqual(shape);
        expect(decoded.data).toBeInstanceOf(Values);
        expect(Array.from(decoded.data)).toEqual(Array.from(data));
      }
    }
  });

  it('returns a view on the input bytes when the data is aligned, with no copy', () => {
    const bytes = encodeNpy(new Float64Array([4, 5, 6]));
    const decoded = decodeNpy(bytes);
    expect(decoded.data.buffer).toBe(bytes.buffer);
    bytes.set(float64Bytes([7]), bytes.length - 8);
    expect(decoded.data[2]).toBe(7);
  });

  it('copies when the data start is misaligned, and still reads the right values', () => {
    const encoded = encodeNpy(new Float64Array([1.5, -2.25]));
    const shifted = new Uint8Array(encoded.length + 1).subarray(1);
    shifted.set(encoded);
    expect(Array.from(decodeNpy(shifted).data)).toEqual([1.5, -2.25]);
  });

  it('reads a hand-made version 1.0 file whose header is not padded at all', () => {
    const bytes = handMadeNpy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }\n", float64Bytes([3, 4]));
    expect(decodeNpy(bytes)).toMatchObject({ dtype: 'float64', shape: [2] });
    expect(Array.from(decodeNpy(bytes).data)).toEqual([3, 4]);
  });

  it('reads a hand-made version 2.0 file (4-byte header length)', () => {
    const dict = "{'shape': (1, 2), 'fortran_order': False, 'descr': '<f8'}";
    const header = `${dict}${' '.repeat(64 - ((12 + dict.length + 1) % 64))}\n`;
    expect((12 + header.length) % 64).toBe(0);
    const decoded = decodeNpy(handMadeNpy(2, header, float64Bytes([-1, 0.5])));
    expect(decoded.shape).toEqual([1, 2]);
    expect(Array.from(decoded.data)).toEqual([-1, 0.5]);
  });

  it('reads a hand-made version 3.0 file with a UTF-8 header', () => {
    const header = '{"descr": ">f8", "fortran_order": False, "shape": (2,), "note": "é"}\n';
    const decoded = decodeNpy(handMadeNpy(3, header, float64Bytes([0.1, 1e300], false), 'utf8'));
    expect(Array.from(decoded.data)).toEqual([0.1, 1e300]);
  });

  it.each([
    ['a file without the magic', Buffer.from('{"gradients": []}'), /not a \.npy file/],
    ['version 4.0', handMadeNpy(4, '{}', new Uint8Array()), /version 4\.0 is not supported/],
    ['a header longer than the file', handMadeNpy(1, "{'descr': '<f8'", new Uint8Array()).subarray(0, 12), /file ends before that/],
    ['too little data', handMadeNpy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", float64Bytes([1, 2])), /data has 16 bytes but shape \(3\) of float64 needs 24/],
    ['too much data', handMadeNpy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", float64Bytes([1, 2])), /data has 16 bytes/],
    ['an unsupported dtype', handMadeNpy(1, "{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }", float64Bytes([1])), /dtype '<i8' is not supported/],
    ['a native-order dtype', handMadeNpy(1, "{'descr': '|f8', 'fortran_order': False, 'shape': (1,), }", float64Bytes([1])), /dtype '\|f8' is not supported/],
    ['a structured dtype', handMadeNpy(1, "{'descr': [('x', '<f8')], 'fortran_order': False, 'shape': (1,), }", float64Bytes([1])), /malformed at character 10: unsupported value/],
    ['Fortran order', handMadeNpy(1, "{'descr': '<f8', 'fortran_order': True, 'shape': (1, 1), }", float64Bytes([1])), /Fortran order/],
    ['a missing shape', handMadeNpy(1, "{'descr': '<f8', 'fortran_order': False}", float64Bytes([1])), /no shape tuple/],
    ['a negative size', handMadeNpy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (-1,)}", float64Bytes([1])), /shape entries must be non-negative integers/],
    ['text after the dict', handMadeNpy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,)} x", float64Bytes([1])), /unexpected text after the header dict/],
  ])('rejects %s with a clear message', (_case, bytes, message) => {
    expect(() => decodeNpy(bytes)).toThrow(NpyFormatError);
    expect(() => decodeNpy(bytes)).toThrow(message);
  });
});

describe('.npy files written and read by numpy', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'byzps-npy-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('decodes what np.save and np.lib.format.write_array produce, in every byte order and version', () => {
    const expected = runNumpy(
      `
rng = np.random.default_rng(7)
base = rng.normal(size=(3, 5))
cases = {'f8': base, 'f4': base.astype('<f4'), 'big-f8': base.astype('>f8'), 'big-f4': base.astype('>f4')}
for name, array in cases.items():
    np.save(f'{sys.argv[1]}/{name}.npy', array)
for version in [(2, 0), (3, 0)]:
    with open(f'{sys.argv[1]}/v{version[0]}.npy', 'wb') as out:
        np.lib.format.write_array(out, base, version=version)
print(json.dumps({'f8': base.tolist(), 'f4': base.astype('<f4').tolist()}))
`,
      [dir],
    );
    const values = JSON.parse(expected) as { f8: number[][]; f4: number[][] };
    const cases = [['f8', 'float64', values.f8], ['f4', 'float32', values.f4], ['big-f8', 'float64', values.f8], ['big-f4', 'float32', values.f4], ['v2', 'float64', values.f8], ['v3', 'float64', values.f8]] as const;
    for (const [name, dtype, rows] of cases) {
      const decoded = decodeNpy(readFileSync(join(dir, `${name}.npy`)));
      expect(decoded.dtype, name).toBe(dtype);
      expect(decoded.shape, name).toEqual([3, 5]);
      expect(Array.from(decoded.data), name).toEqual(rows.flat());
    }
  });

  it('reports Fortran order and other dtypes in files numpy wrote', () => {
    runNumpy(
      `
np.save(f'{sys.argv[1]}/fortran.npy', np.asfortranarray(np.ones((2, 3))))
np.save(f'{sys.argv[1]}/int.npy', np.arange(6).reshape(2, 3))
`,
      [dir],
    );
    expect(() => decodeNpy(readFileSync(join(dir, 'fortran.npy')))).toThrow(/Fortran order/);
    expect(() => decodeNpy(readFileSync(join(dir, 'int.npy')))).toThrow(/dtype '<i8' is not supported/);
  });

  it('writes files numpy reads back exactly, as format version 1.0', () => {
    const float32 = Float32Array.from([0.1, -2, 3.5e-8, 1e30]);
    const float64 = Float64Array.from([0.1, -2, Number.MIN_VALUE, -1e300]);
    writeFileSync(join(dir, 'ours32.npy'), encodeNpy(float32, [2, 2]));
    writeFileSync(join(dir, 'ours64.npy'), encodeNpy(float64));
    const seen = runNumpy(
      `
out = {}
for name in ['ours32', 'ours64']:
    path = f'{sys.argv[1]}/{name}.npy'
    with open(path, 'rb') as f:
        version = np.lib.format.read_magic(f)
    array = np.load(path)
    out[name] = {'version': list(version), 'dtype': array.dtype.str, 'shape': list(array.shape), 'values': array.ravel().tolist()}
print(json.dumps(out))
`,
      [dir],
    );
    expect(JSON.parse(seen)).toEqual({
      ours32: { version: [1, 0], dtype: '<f4', shape: [2, 2], values: Array.from(float32) },
      ours64: { version: [1, 0], dtype: '<f8', shape: [4], values: Array.from(float64) },
    });
  });
});
