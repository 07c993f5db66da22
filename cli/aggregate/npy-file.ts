import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { gradientMemory } from '../../aggregators/index.js';

const magic = '\x93NUMPY';

/** numpy starts the data of a .npy file on a multiple of this many bytes; the copy in memory keeps it. */
const dataAlignment = 64;

/**
 * Reads a .npy file straight into the process-wide gradient memory, its data 64-byte aligned, and
 * returns its bytes there: rows decoded from them are views the SIMD kernels read in place, with no
 * copy after the read. Undefined when the file cannot be opened (the caller's ordinary read says
 * why), does not start with the .npy magic bytes, or is larger than the memory can hold. The bytes
 * stay allocated for the life of the process.
 */
export function readNpyIntoGradientMemory(path: string): Uint8Array | undefined {
  let file: number;
  try {
    file = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const size = fstatSync(file).size;
    const preamble = Buffer.alloc(12);
    const preambleLength = readSync(file, preamble, 0, preamble.length, 0);
    if (preambleLength < 10 || preamble.toString('latin1', 0, magic.length) !== magic) return undefined;
    const dataStart = preamble[6] === 1 ? 10 + preamble.readUInt16LE(8) : 12 + preamble.readUInt32LE(8);
    const memory = gradientMemory();
    const allocation = memory.tryAllocate(size + dataAlignment);
    if (allocation === undefined) return undefined;
    const start = allocation + ((dataAlignment - (dataStart % dataAlignment)) % dataAlignment);
    const bytes = new Uint8Array(memory.memory.buffer, start, size);
    let read = 0;
    while (read < size) {
      const chunk = readSync(file, bytes, read, size - read, read);
      if (chunk === 0) break;
      read += chunk;
    }
    return bytes.subarray(0, read);
  } finally {
    closeSync(file);
  }
}
