import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allocateGradient, freeGradient, gradientMemory, type RuleSpec } from './index.js';
import { SeededRandom } from './random.js';
import { inProcessRunner, type RuleRunner, scratchBytes, startAggregationThread } from './runner.js';

/** n gradients in the shared gradient memory, as ingest leaves them: a common direction plus noise, and one outlier. */
function gradients(seed: number, n: number, d: number): Float32Array[] {
  const random = SeededRandom.fromSeed(seed);
  return Array.from({ length: n }, (_, i) => {
    const row = allocateGradient(d);
    for (let j = 0; j < d; j++) row[j] = (i === n - 1 ? -20 : 1) + (random.next() - 0.5);
    return row;
  });
}

const specs: RuleSpec[] = [
  { name: 'mean', f: 0 },
  { name: 'median', f: 2 },
  { name: 'trimmed-mean', f: 2 },
  { name: 'krum', f: 2 },
  { name: 'multi-krum', f: 2 },
  { name: 'bulyan', f: 1 },
  { name: 'geometric-median', f: 2 },
  { name: 'flag', f: 2 },
  { name: 'median', f: 1, pre: [{ name: 'nnm' }] },
  { name: 'mean', f: 1, pre: [{ name: 'bucketing', params: { s: 2, seed: 3 } }, { name: 'clip', params: { tau: 5 } }] },
];

describe('aggregation thread', () => {
  let thread: RuleRunner;
  beforeAll(async () => {
    thread = await startAggregationThread();
  });
  afterAll(async () => {
    await thread.close();
  });

  it.each(specs.map((spec) => [`${spec.name}${spec.pre === undefined ? '' : ` after ${spec.pre.map((pre) => pre.name).join(', ')}`}`, spec] as const))(
    'gives the in-process result bit for bit: %s',
    async (_label, spec) => {
      // d not a multiple of 4 or of the Gram block, so the kernels' tails are exercised too.
      const rows = gradients(11, 9, 10_003);
      const expected = inProcessRunner.aggregate(inProcessRunner.build(spec), rows);
      const actual = thread.aggregate(thread.build(spec), rows);
      const [want, got] = await Promise.all([expected, actual]);
      expect(got.output).toEqual(want.output);
      expect(got.diagnostics).toEqual(want.diagnostics);
      rows.forEach(freeGradient);
    },
  );

  it("carries centered clipping's state across rounds and keeps it on the server's rule object, for checkpoints", async () => {
    const spec: RuleSpec = { name: 'centered-clipping', f: 2, params: { tau: 0.5, iters: 2 } };
    const local = inProcessRunner.build(spec);
    const remote = thread.build(spec);
    for (let round = 0; round < 3; round++) {
      const rows = gradients(20 + round, 8, 5000);
      const want = await inProcessRunner.aggregate(local, rows);
      const got = await thread.aggregate(remote, rows);
      expect(got.output).toEqual(want.output);
      expect(remote.getState()).toEqual(local.getState());
      rows.forEach(freeGradient);
    }
    expect(remote.getState()).toBeDefined();
  });

  it('reports a rule failure as the rule worded it and gives the scratch region back', async () => {
    const rows = gradients(1, 3, 100);
    const allocated = gradientMemory().allocatedBytes;
    await expect(thread.aggregate(thread.build({ name: 'bulyan', f: 1 }), rows)).rejects.toThrow(/bulyan needs n ≥ 4f\+3.*n=3, f=1/);
    expect(gradientMemory().allocatedBytes).toBe(allocated);
    rows.forEach(freeGradient);
  });

  it('writes the output into the shared memory, where it stays until released', async () => {
    const rows = gradients(5, 5, 3000);
    const allocated = gradientMemory().allocatedBytes;
    const result = await thread.aggregate(thread.build({ name: 'krum', f: 1 }), rows);
    expect(gradientMemory().offsetOf(result.output)).toBeDefined();
    // Krum's output is one of its inputs: a copy of it, not the row itself.
    const selected = rows.findIndex((row) => row.every((value, j) => value === result.output[j]));
    expect(selected).toBeGreaterThanOrEqual(0);
    expect(result.output).not.toBe(rows[selected]);
    expect(gradientMemory().allocatedBytes).toBeGreaterThan(allocated);
    result.release();
    expect(gradientMemory().allocatedBytes).toBe(allocated);
    rows.forEach(freeGradient);
  });

  it('aggregates rows outside the shared memory in process', async () => {
    const rows = [Float32Array.of(1, 2), Float32Array.of(3, 6)];
    expect(Array.from((await thread.aggregate(thread.build({ name: 'mean', f: 0 }), rows)).output)).toEqual([2, 4]);
  });

  it('rejects the call in flight when the thread dies, then aggregates in process', async () => {
    const runner = await startAggregationThread();
    // Bulyan's coordinate phase over 7 × 10⁶ values keeps the thread busy far longer than closing it takes.
    const rows = gradients(2, 7, 1_000_000);
    const mean = runner.build({ name: 'mean', f: 0 });
    const inFlight = runner.aggregate(runner.build({ name: 'bulyan', f: 1 }), rows);
    await runner.close();
    await expect(inFlight).rejects.toThrow(/aggregation thread was closed/);
    const after = await runner.aggregate(mean, rows);
    expect(after.output).toEqual((await inProcessRunner.aggregate(mean, rows)).output);
    rows.forEach(freeGradient);
  });

  it('reserves at least a d-length row and the blocked Gram partial sums as scratch', () => {
    const n = 8;
    const d = 1_000_000;
    expect(scratchBytes(n, d)).toBeGreaterThanOrEqual(4 * d + 8 * 36 * Math.ceil(d / 4096));
  });
});
