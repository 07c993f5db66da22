/**
 * Reader and writer for NumPy's .npy format (versions 1.0, 2.0 and 3.0) restricted to what byzps
 * exchanges: float32 or float64 arrays in C order. Layout: the magic `\x93NUMPY`, a version, the
 * header length, a Python-literal header dict padded with spaces and `\n`, then the raw values.
 */

export type NpyDtype = 'float32' | 'float64';

/** A decoded array: its dtype, its shape, and its values flattened in C (row-major) order. */
export interface NpyArray {
  readonly dtype: NpyDtype;
  readonly shape: readonly number[];
  readonly data: Float32Array | Float64Array;
}

/** The bytes are not a .npy file byzps can read; the message says what is wrong with them. */
export class NpyFormatError extends Error {
  override readonly name = 'NpyFormatError';
}

const magic = [0x93, ...Array.from('NUMPY', (c) => c.charCodeAt(0))];
/** numpy aligns the start of the data to 64 bytes so that it can be memory-mapped for any dtype. */
const dataAlignment = 64;
const hostIsLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const itemSizes: Readonly<Record<NpyDtype, number>> = { float32: 4, float64: 8 };
const descrKinds: Readonly<Record<string, NpyDtype>> = { f4: 'float32', f8: 'float64' };

/**
 * Decodes a .npy file. When the file's byte order matches the host and the data start is aligned,
 * the returned array is a view on `bytes` (no copy); otherwise the values are copied.
 */
export function decodeNpy(bytes: Uint8Array): NpyArray {
  if (bytes.length < 10 || magic.some((byte, i) => bytes[i] !== byte)) {
    throw new NpyFormatError('not a .npy file (it does not start with \\x93NUMPY)');
  }
  const major = bytes[6]!;
  const minor = bytes[7]!;
  if (![1, 2, 3].includes(major) || minor !== 0) {
    throw new NpyFormatError(`.npy format version ${major}.${minor} is not supported (only 1.0, 2.0 and 3.0)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lengthSize = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lengthSize) throw new NpyFormatError('.npy file ends inside its header');
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataStart = 8 + lengthSize + headerLength;
  if (dataStart > bytes.length) throw new NpyFormatError(`.npy header claims ${headerLength} bytes but the file ends before that`);
  const headerBytes = bytes.subarray(8 + lengthSize, dataStart);
  const header = parseHeader(major === 3 ? new TextDecoder('utf-8').decode(headerBytes) : latin1(headerBytes));

  const count = header.shape.reduce((product, size) => product * size, 1);
  const itemSize = itemSizes[header.dtype];
  const dataLength = bytes.length - dataStart;
  if (dataLength !== count * itemSize) {
    const shapeText = `(${header.shape.join(', ')})`;
    throw new NpyFormatError(`.npy data has ${dataLength} bytes but shape ${shapeText} of ${header.dtype} needs ${count * itemSize}`);
  }
  return { dtype: header.dtype, shape: header.shape, data: readValues(bytes, dataStart, count, header) };
}

function readValues(bytes: Uint8Array, start: number, count: number, header: Header): Float32Array | Float64Array {
  const itemSize = itemSizes[header.dtype];
  const byteLength = count * itemSize;
  if (header.littleEndian === hostIsLittleEndian) {
    const aligned = (bytes.byteOffset + start) % itemSize === 0;
    // Typed arrays need aligned offsets; a misaligned start costs one copy into a fresh buffer
    // (the Uint8Array constructor, since a Node Buffer's slice() is a view, not a copy).
    const source = aligned ? bytes.subarray(start) : new Uint8Array(bytes.subarray(start, start + byteLength));
    return header.dtype === 'float32'
      ? new Float32Array(source.buffer, source.byteOffset, count)
      : new Float64Array(source.buffer, source.byteOffset, count);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + start, byteLength);
  const littleEndian = header.littleEndian;
  return header.dtype === 'float32'
    ? Float32Array.from({ length: count }, (_, i) => view.getFloat32(i * 4, littleEndian))
    : Float64Array.from({ length: count }, (_, i) => view.getFloat64(i * 8, littleEndian));
}

/**
 * Encodes values with the given shape (default 1-D) as little-endian .npy version 1.0, the data
 * aligned to 64 bytes. Our headers are short, so the 2.0 format (for headers over 64 KiB) is never needed.
 */
export function encodeNpy(data: Float32Array | Float64Array, shape: readonly number[] = [data.length]): Uint8Array {
  const count = shape.reduce((product, size) => product * size, 1);
  if (count !== data.length) throw new RangeError(`shape (${shape.join(', ')}) holds ${count} values, data has ${data.length}`);
  const descr = data instanceof Float32Array ? '<f4' : '<f8';
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const preamble = 10;
  const padding = (dataAlignment - ((preamble + dict.length + 1) % dataAlignment)) % dataAlignment;
  const header = `${dict}${' '.repeat(padding)}\n`;

  const bytes = new Uint8Array(preamble + header.length + data.byteLength);
  bytes.set(magic, 0);
  bytes[6] = 1;
  bytes[7] = 0;
  new DataView(bytes.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) bytes[preamble + i] = header.charCodeAt(i);
  const values = new DataView(bytes.buffer, preamble + header.length);
  for (let i = 0; i < data.length; i++) {
    if (descr === '<f4') values.setFloat32(i * 4, data[i]!, true);
    else values.setFloat64(i * 8, data[i]!, true);
  }
  return bytes;
}

function latin1(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return text;
}

interface Header {
  readonly dtype: NpyDtype;
  readonly littleEndian: boolean;
  readonly shape: readonly number[];
}

/** Reads the header dict `{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }` and checks byzps can use it. */
function parseHeader(text: string): Header {
  const dict = new HeaderReader(text).readDict();
  const descr = dict.get('descr');
  const fortranOrder = dict.get('fortran_order');
  const shape = dict.get('shape');
  if (typeof descr !== 'string') throw new NpyFormatError('.npy header has no simple dtype (structured dtypes are not supported)');
  if (typeof fortranOrder !== 'boolean') throw new NpyFormatError('.npy header has no fortran_order True/False');
  if (!Array.isArray(shape)) throw new NpyFormatError('.npy header has no shape tuple');
  const order = descr[0];
  const dtype = descrKinds[descr.slice(1)];
  if (dtype === undefined || (order !== '<' && order !== '>')) {
    throw new NpyFormatError(`.npy dtype '${descr}' is not supported; byzps reads float32 or float64 ('<f4', '<f8', '>f4', '>f8')`);
  }
  if (fortranOrder) throw new NpyFormatError('.npy array is in Fortran order; save it in C order (np.ascontiguousarray) first');
  return { dtype, littleEndian: order === '<', shape };
}

type HeaderValue = string | boolean | number[];

/** A reader for the few Python literals a .npy header uses: a dict of strings, booleans and tuples of integers. */
class HeaderReader {
  private position = 0;

  constructor(private readonly text: string) {}

  readDict(): Map<string, HeaderValue> {
    const entries = new Map<string, HeaderValue>();
    this.expect('{');
    while (!this.consume('}')) {
      const key = this.readString();
      this.expect(':');
      entries.set(key, this.readValue());
      if (!this.consume(',')) {
        this.expect('}');
        break;
      }
    }
    this.skipSpace();
    if (this.position !== this.text.length) this.fail('unexpected text after the header dict');
    return entries;
  }

  private readValue(): HeaderValue {
    this.skipSpace();
    const next = this.text[this.position];
    if (next === "'" || next === '"') return this.readString();
    if (next === '(') return this.readTuple();
    for (const [word, value] of [['True', true], ['False', false]] as const) {
      if (this.text.startsWith(word, this.position)) {
        this.position += word.length;
        return value;
      }
    }
    return this.fail('unsupported value');
  }

  private readTuple(): number[] {
    this.expect('(');
    const sizes: number[] = [];
    while (!this.consume(')')) {
      const match = /^\d+/.exec(this.text.slice(this.position));
      if (match === null) this.fail('shape entries must be non-negative integers');
      sizes.push(Number(match[0]));
      this.position += match[0].length;
      if (!this.consume(',')) {
        this.expect(')');
        break;
      }
      this.skipSpace();
    }
    return sizes;
  }

  private readString(): string {
    this.skipSpace();
    const quote = this.text[this.position];
    if (quote !== "'" && quote !== '"') this.fail('expected a quoted string');
    const end = this.text.indexOf(quote, this.position + 1);
    if (end === -1) this.fail('unterminated string');
    const value = this.text.slice(this.position + 1, end);
    this.position = end + 1;
    return value;
  }

  private consume(token: string): boolean {
    this.skipSpace();
    if (this.text[this.position] !== token) return false;
    this.position++;
    return true;
  }

  private expect(token: string): void {
    if (!this.consume(token)) this.fail(`expected '${token}'`);
  }

  private skipSpace(): void {
    while (this.position < this.text.length && /\s/.test(this.text[this.position]!)) this.position++;
  }

  private fail(problem: string): never {
    throw new NpyFormatError(`.npy header is malformed at character ${this.position}: ${problem}`);
  }
}
