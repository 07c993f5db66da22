import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeededRandom } from '../random.js';
import { GradientMemory } from './gradient-memory.js';
import { GRAM_BLOCK } from './kernel-instance.js';
import { loadKernelModule } from './kernel-instance.js';
import { splitRange } from './range-split.js';
import { createSimdKernels, singleThreadExecutor } from './simd.js';
import { createThreadedKernels, type ThreadedKernels } from './threads.js';

const memory = new GradientMemory(1);
const module = loadKernelModule();
if (module === undefined) throw new Error('kernels.wasm is missing: run npm run build:wasm (npm test does it)');
const oneThread = createSimdKernels('simd', memory, singleThreadExecutor(module, memory));
let threaded: ThreadedKernels;

beforeAll(async () => {
  threaded = await createThreadedKernels({ memory, threads: 3 });
});

afterAll(async () => {
  await threaded.close();
});

function expectBitIdentical(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  expect(actual.length).toBe(expected.length);
  for (let j = 0; j < actual.length; j++) {
    if (!Object.is(actual[j], expected[j])) throw new Error(`${what}: differs at ${j}: ${actual[j]} vs ${expected[j]}`);
  }
}

describe('splitRange', () => {
  it('cuts at multiples of the Gram block and covers the range once', () => {
    const d = 5 * GRAM_BLOCK + 3;
    const ranges = splitRange(d, 3);
    expect(ranges).toEqual([[0, 2 * GRAM_BLOCK], [2 * GRAM_BLOCK, 4 * GRAM_BLOCK], [4 * GRAM_BLOCK, d]]);
    expect(splitRange(10, 4)).toEqual([[0, 10]]);
    expect(splitRange(0, 2)).toEqual([]);
  });
});

describe('threaded kernels', () => {
  it.each([Float32Array, Float64Array])('give the same bits as one thread on %o rows, whatever the split', (type) => {
    const random = SeededRandom.fromSeed(3);
    for (const [n, d] of [[15, 3 * GRAM_BLOCK + 5], [8, 7 * GRAM_BLOCK], [31, 2 * GRAM_BLOCK + 1], [3, 10]] as const) {
      // n rows and one output, staged into the memory both backends read.
      const values = Array.from({ length: n + 1 }, () => new type(d).map(() => (random.next() < 0.2 ? Math.round(random.next() * 4) : random.next() - 0.5)));
      oneThread.withStagedRows(values, (staged) => {
        const rows = staged.slice(0, n);
        expectBitIdentical(threaded.gram(rows), oneThread.gram(rows), `gram n=${n} d=${d}`);
        const weights = Float64Array.from({ length: 2 * n }, () => random.next() - 0.5);
        const outs = [new type(d), staged[n]!];
        const expected = [new type(d), new type(d)];
        threaded.combine(rows, weights, outs);
        oneThread.combine(rows, weights, expected);
        outs.forEach((out, k) => { expectBitIdentical(out, expected[k]!, `combine n=${n} d=${d}`); });
        for (const [method, parameter] of [['trimmedMean', Math.floor((n - 1) / 2)], ['meanAroundMedian', n - 3]] as const) {
          const out = new type(d);
          const kept = new Float64Array(n);
          const expectedKept = new Float64Array(n);
          threaded[method](rows, parameter, out, kept);
          oneThread[method](rows, parameter, expected[0]!, expectedKept);
          expectBitIdentical(out, expected[0]!, `${method} n=${n} d=${d}`);
          expectBitIdentical(kept, expectedKept, `kept counts n=${n} d=${d}`);
        }
        expect(threaded.findNonFinite(rows)).toBeUndefined();
        rows[n - 1]![1] = NaN;
        rows[0]![d - 1] = Infinity;
        expect(threaded.findNonFinite(rows)).toEqual({ row: 0, index: d - 1, value: Infinity });
      });
    }
  });

  it('lets the process exit without close(), because the threads are unref’d', () => {
    const script = `
      import { createThreadedKernels } from ${JSON.stringify(fileURLToPath(new URL('./threads.ts', import.meta.url)))};
      const kernels = await createThreadedKernels({ threads: 2 });
      console.log(kernels.name);
    `;
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('simd×2');
    expect(result.status).toBe(0);
  });
});
