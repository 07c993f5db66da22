import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** numpy's times in ms for the operations it has an equivalent of, keyed like the bench's rows, and which BLAS it used. */
export interface NumpyTimes {
  readonly blas: string;
  readonly times: Readonly<Record<string, number>>;
}

/** The numpy reference script; its functions (flag_svd, …) can also be imported from python. */
export const numpyReferenceScript = fileURLToPath(new URL('./numpy_reference.py', import.meta.url));

/** The environment for python: OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, when set, pin OpenBLAS to slower paths. */
export function pythonEnvironment(): NodeJS.ProcessEnv {
  const environment = { ...process.env };
  delete environment.OPENBLAS_CORETYPE;
  delete environment.OPENBLAS_L2_SIZE;
  return environment;
}

/** Whether python3 with numpy can be run here. */
export function numpyAvailable(): boolean {
  return spawnSync('python3', ['-c', 'import numpy'], { env: pythonEnvironment() }).status === 0;
}

/** Writes the rows as one n×d little-endian float32 .npy file without concatenating them in memory. */
export function writeNpy(path: string, rows: readonly Float32Array[]): void {
  const shape = `(${rows.length}, ${rows[0]!.length})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const prefix = Buffer.alloc(10);
  prefix.write('\x93NUMPY', 0, 'latin1');
  prefix.writeUInt8(1, 6);
  prefix.writeUInt16LE(header.length, 8);
  const file = openSync(path, 'w');
  try {
    writeSync(file, prefix);
    writeSync(file, header, null, 'latin1');
    for (const row of rows) writeSync(file, new Uint8Array(row.buffer, row.byteOffset, row.byteLength));
  } finally {
    closeSync(file);
  }
}

/** Times numpy on the same rows (median of `runs`), or returns why it could not. */
export function timeNumpy(rows: readonly Float32Array[], trim: number, r: number, runs: number): NumpyTimes | string {
  const directory = mkdtempSync(join(tmpdir(), 'byzps-bench-'));
  try {
    const path = join(directory, 'rows.npy');
    writeNpy(path, rows);
    const result = spawnSync('python3', [numpyReferenceScript, path, String(trim), String(r), String(runs)], { env: pythonEnvironment(), encoding: 'utf8', maxBuffer: 1 << 20 });
    if (result.status !== 0) return `numpy reference failed: ${result.stderr.trim().split('\n').pop() ?? 'no output'}`;
    const parsed = JSON.parse(result.stdout) as Record<string, number | string>;
    const { blas, ...times } = parsed;
    return { blas: String(blas), times: times as Record<string, number> };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
