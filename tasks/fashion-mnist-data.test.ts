import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DatasetError } from './errors.js';
import { DEFAULT_FASHION_MNIST_DIR, loadFashionMnist } from './fashion-mnist-data.js';
import { idxBytes } from './idx-testing.js';

/** A directory with a tiny data set in the Fashion-MNIST file layout: 3 training and 2 test images. */
function tinyDataSet(options: { gzip: boolean; trainLabels?: number[]; imageSide?: number }): string {
  const directory = mkdtempSync(join(tmpdir(), 'byzps-fmnist-'));
  const side = options.imageSide ?? 28;
  const write = (name: string, bytes: Uint8Array) => {
    writeFileSync(join(directory, options.gzip ? `${name}.gz` : name), options.gzip ? gzipSync(bytes) : bytes);
  };
  write('train-images-idx3-ubyte', idxBytes([3, side, side], Uint8Array.from({ length: 3 * side * side }, (_, k) => k % 256)));
  write('train-labels-idx1-ubyte', idxBytes([3], options.trainLabels ?? [4, 0, 9]));
  write('t10k-images-idx3-ubyte', idxBytes([2, side, side], new Uint8Array(2 * side * side).fill(255)));
  write('t10k-labels-idx1-ubyte', idxBytes([2], [1, 2]));
  return directory;
}

describe('Fashion-MNIST files', () => {
  it.each([true, false])('loads the four IDX files (gzip: %s) into images and labels', (gzip) => {
    const data = loadFashionMnist(tinyDataSet({ gzip }));
    expect(data.train.count).toBe(3);
    expect(Array.from(data.train.labels)).toEqual([4, 0, 9]);
    expect(data.train.images[785]).toBe(785 % 256);
    expect(data.test.count).toBe(2);
    expect(data.test.images.every((pixel) => pixel === 255)).toBe(true);
  });

  it('says which file is missing, where, and how to install it', () => {
    const empty = mkdtempSync(join(tmpdir(), 'byzps-empty-'));
    expect(() => loadFashionMnist(empty)).toThrow(DatasetError);
    expect(() => loadFashionMnist(empty)).toThrow(/train-images-idx3-ubyte\(\.gz\) not found in .*byzps-empty-.*apt-get install dataset-fashion-mnist.*dataDir/);
  });

  it('rejects images that are not 28×28 and labels outside 0..9', () => {
    expect(() => loadFashionMnist(tinyDataSet({ gzip: false, imageSide: 27 }))).toThrow(/have shape 3×27×27, expected N×28×28/);
    expect(() => loadFashionMnist(tinyDataSet({ gzip: true, trainLabels: [4, 10, 9] }))).toThrow(/train label 1 .* is 10, expected 0\.\.9/);
  });

  it('reads the installed data set: 60 000 training and 10 000 test images, every class present', () => {
    // CI installs the Debian package dataset-fashion-mnist; this test fails rather than skips without it.
    const data = loadFashionMnist(DEFAULT_FASHION_MNIST_DIR);
    expect(data.train.count).toBe(60_000);
    expect(data.test.count).toBe(10_000);
    expect(data.train.images.length).toBe(60_000 * 784);
    const perClass = new Array<number>(10).fill(0);
    for (const label of data.train.labels) perClass[label]!++;
    expect(perClass).toEqual(new Array<number>(10).fill(6000));
  });
});
