import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DatasetError } from './errors.js';
import { readIdxFile } from './idx.js';

/** Where the Debian package `dataset-fashion-mnist` installs the files. */
export const DEFAULT_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

export const IMAGE_SIDE = 28;
export const PIXELS = IMAGE_SIDE * IMAGE_SIDE;
export const CLASSES = 10;

/** One split of a labelled image set: `count` images of PIXELS bytes each, row-major, and their labels. */
export interface ImageSet {
  readonly count: number;
  /** Raw pixel bytes 0–255; the model scales them to [0, 1]. */
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
}

export interface FashionMnist {
  readonly train: ImageSet;
  readonly test: ImageSet;
}

/** Data sets already decoded in this process, by directory: read-only, so every task may share one copy. */
const loaded = new Map<string, FashionMnist>();

/**
 * Loads Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017) from its four IDX files in `directory`, each
 * either raw or with a `.gz` suffix, once per process: the server, its evaluation and every worker
 * hosted in one process share one decoded copy (decoding takes about half a second and 55 MB).
 * Missing or malformed files throw a DatasetError that says what was expected where.
 */
export function loadFashionMnist(directory = DEFAULT_FASHION_MNIST_DIR): FashionMnist {
  const key = resolve(directory);
  let data = loaded.get(key);
  if (data === undefined) {
    data = { train: loadSplit(directory, 'train'), test: loadSplit(directory, 't10k') };
    loaded.set(key, data);
  }
  return data;
}

function loadSplit(directory: string, prefix: 'train' | 't10k'): ImageSet {
  const images = readIdxFile(locate(directory, `${prefix}-images-idx3-ubyte`));
  const labels = readIdxFile(locate(directory, `${prefix}-labels-idx1-ubyte`));
  const [count = 0, rows, columns] = images.dimensions;
  if (images.dimensions.length !== 3 || rows !== IMAGE_SIDE || columns !== IMAGE_SIDE) {
    throw new DatasetError(`${prefix} images in ${directory} have shape ${images.dimensions.join('×')}, expected N×${IMAGE_SIDE}×${IMAGE_SIDE}`);
  }
  if (labels.dimensions.length !== 1 || labels.dimensions[0] !== count) {
    throw new DatasetError(`${prefix} labels in ${directory} have shape ${labels.dimensions.join('×')}, expected ${count} labels, one per image`);
  }
  const bad = labels.data.findIndex((label) => label >= CLASSES);
  if (bad >= 0) throw new DatasetError(`${prefix} label ${bad} in ${directory} is ${labels.data[bad]}, expected 0..${CLASSES - 1}`);
  return { count, images: images.data, labels: labels.data };
}

/** The path of `name` or `name.gz` in `directory`, whichever exists. */
function locate(directory: string, name: string): string {
  for (const candidate of [join(directory, name), join(directory, `${name}.gz`)]) {
    if (existsSync(candidate)) return candidate;
  }
  throw new DatasetError(
    `Fashion-MNIST file ${name}(.gz) not found in ${directory}: install it with \`apt-get install dataset-fashion-mnist\` ` +
      `(files go to ${DEFAULT_FASHION_MNIST_DIR}) or point the dataDir option at a directory holding the four IDX files`,
  );
}
