/**
 * Prints how long a worker's training step and the server's evaluation take for each task:
 * `npx tsx tasks/bench.ts [--quick]`. Timings are printed, never asserted.
 */
import { iid } from './partition.js';
import { loadFashionMnist } from './fashion-mnist-data.js';
import { FashionMnistTask } from './fashion-mnist.js';
import { SyntheticTask } from './synthetic.js';
import type { Batch, Task } from './task.js';

interface Row {
  readonly task: string;
  readonly d: number;
  readonly batch: number;
  readonly stepMs: number;
  readonly evaluateMs: number;
}

/** Median of `repeats` timings of `run`, in milliseconds, after one warm-up call. */
function medianMs(repeats: number, run: (repeat: number) => void): number {
  run(-1);
  const times = Array.from({ length: repeats }, (_, repeat) => {
    const start = performance.now();
    run(repeat);
    return performance.now() - start;
  }).sort((a, b) => a - b);
  return times[Math.floor(repeats / 2)]!;
}

function measure<B extends Batch>(label: string, task: Task<B>, batchSize: number, repeats: number): Row {
  const theta = task.initialParameters();
  const gradient = new Float32Array(task.dimension);
  const shard = task.shard({ worker: 0, workers: 4, partition: iid, seed: 1 });
  const stepMs = medianMs(repeats, (repeat) => task.lossAndGradient(theta, shard.batch(repeat + 1, batchSize), gradient));
  const evaluateMs = medianMs(Math.min(repeats, 3), () => task.evaluate(theta));
  return { task: label, d: task.dimension, batch: batchSize, stepMs, evaluateMs };
}

const quick = process.argv.includes('--quick');
const repeats = quick ? 3 : 11;
const rows: Row[] = [];
for (const d of quick ? [1_000, 100_000] : [1_000, 100_000, 1_000_000, 10_000_000]) {
  rows.push(measure('synthetic', new SyntheticTask({ dimension: d, seed: 1 }), 32, repeats));
}
const data = loadFashionMnist();
for (const hidden of quick ? [64] : [64, 128]) {
  for (const batchSize of [32, 64]) rows.push(measure(`fashion-mnist h=${hidden}`, new FashionMnistTask({ seed: 1, hidden, data }), batchSize, repeats));
}

console.log('| task | d | batch | step (ms) | evaluate (ms) |');
console.log('|---|---:|---:|---:|---:|');
for (const row of rows) console.log(`| ${row.task} | ${row.d} | ${row.batch} | ${row.stepMs.toFixed(2)} | ${row.evaluateMs.toFixed(1)} |`);
