import type { Gradient } from '../../aggregators/index.js';
import { InputError, UsageError } from '../failure.js';
import { readInputFile, readStdin } from '../files.js';
import { NpyFormatError, decodeNpy, type NpyDtype } from '../../runtime/npy.js';
import { readNpyIntoGradientMemory } from './npy-file.js';

/** The gradients to aggregate, one row per worker, all of one element type. */
export interface GradientInput {
  readonly dtype: NpyDtype;
  readonly rows: readonly Gradient[];
}

const npyMagic = '\x93NUMPY';

/**
 * Reads gradients from a file, or from stdin when no path is given. A .npy file (recognised by its
 * name or its magic bytes) keeps its float32 or float64 type, and a file that starts with the magic
 * bytes is read straight into the gradient memory; anything else is parsed as JSON
 * `{"gradients": number[][]}` into float64.
 */
export async function readGradients(path: string | undefined): Promise<GradientInput> {
  if (path === undefined && process.stdin.isTTY) {
    throw new UsageError('no input: pipe JSON {"gradients": [[…], …]} into stdin, or use --input FILE or --example');
  }
  if (path !== undefined) {
    const inMemory = readNpyIntoGradientMemory(path);
    if (inMemory !== undefined) return gradientsFromNpy(inMemory, path);
  }
  const bytes = path === undefined ? await readStdin() : await readInputFile(path);
  const source = path ?? 'stdin';
  const looksLikeNpy = Buffer.from(bytes.subarray(0, npyMagic.length)).toString('latin1') === npyMagic;
  if (looksLikeNpy || path?.toLowerCase().endsWith('.npy') === true) return gradientsFromNpy(bytes, source);
  return { dtype: 'float64', rows: gradientsFromJson(new TextDecoder().decode(bytes), source) };
}

/** Rows of a 2-D (workers × coordinates) .npy array, as views on its data. */
export function gradientsFromNpy(bytes: Uint8Array, source: string): GradientInput {
  let array;
  try {
    array = decodeNpy(bytes);
  } catch (error) {
    if (error instanceof NpyFormatError) throw new InputError(`${source}: ${error.message}`);
    throw error;
  }
  const [n, d] = array.shape;
  if (array.shape.length !== 2 || n === undefined || d === undefined) {
    throw new InputError(`${source}: expected a 2-D array (workers × coordinates), got shape (${array.shape.join(', ')})`);
  }
  const rows = Array.from({ length: n }, (_, i) => array.data.subarray(i * d, (i + 1) * d));
  return { dtype: array.dtype, rows };
}

/**
 * Parses `{"gradients": number[][]}`. Only the JSON itself is checked here: every value must be a
 * number. Row lengths, emptiness and finiteness are the aggregation library's checks, so they read the same everywhere.
 */
export function gradientsFromJson(text: string, source: string): Float64Array[] {
  if (text.trim() === '') throw new InputError(`${source} is empty; expected JSON {"gradients": [[…], …]}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${source} is not valid JSON: ${(error as Error).message}`);
  }
  const gradients = (parsed as { gradients?: unknown } | null)?.gradients;
  if (typeof parsed !== 'object' || Array.isArray(parsed) || !Array.isArray(gradients)) {
    throw new InputError(`${source}: expected a JSON object {"gradients": [[…], …]} with one array of numbers per worker`);
  }
  return gradients.map((row: unknown, i) => {
    if (!Array.isArray(row)) throw new InputError(`${source}: gradients[${i}] is ${JSON.stringify(row)}, not an array of numbers`);
    const values: unknown[] = row;
    const bad = values.findIndex((value) => typeof value !== 'number');
    if (bad !== -1) {
      throw new InputError(`${source}: gradients[${i}][${bad}] is ${JSON.stringify(values[bad])}, not a number (JSON has no NaN or Infinity)`);
    }
    return Float64Array.from(values as number[]);
  });
}
