import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gradientMemory } from '../../aggregators/index.js';
import { encodeNpy } from '../../runtime/npy.js';
import { gradientsFromNpy } from './input.js';
import { readNpyIntoGradientMemory } from './npy-file.js';

const dir = mkdtempSync(join(tmpdir(), 'byzps-npy-file-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('readNpyIntoGradientMemory', () => {
  it('reads a .npy file into the gradient memory, its data 64-byte aligned, so the rows are views there', () => {
    const values = Float32Array.from({ length: 3 * 5 }, (_, i) => i / 7 - 1);
    const path = join(dir, 'rows.npy');
    writeFileSync(path, encodeNpy(values, [3, 5]));
    const bytes = readNpyIntoGradientMemory(path)!;
    expect(gradientMemory().offsetOf(bytes)).toBeDefined();
    const { dtype, rows } = gradientsFromNpy(bytes, path);
    expect(dtype).toBe('float32');
    expect(rows[0]!.byteOffset % 64).toBe(0);
    rows.forEach((row, i) => {
      expect(gradientMemory().offsetOf(row)).toBe(row.byteOffset);
      expect(Array.from(row)).toEqual(Array.from(values.subarray(5 * i, 5 * (i + 1))));
    });
  });

  it('leaves files without the .npy magic bytes, and files it cannot open, to the ordinary read', () => {
    const path = join(dir, 'rows.json');
    writeFileSync(path, '{"gradients": [[1]]}');
    expect(readNpyIntoGradientMemory(path)).toBeUndefined();
    expect(readNpyIntoGradientMemory(join(dir, 'missing.npy'))).toBeUndefined();
  });
});
