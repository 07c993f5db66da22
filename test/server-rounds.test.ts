import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from './cleanup.js';
import { chunksOf, eventually, ScriptedWorker, startTestServer } from './server-harness.js';

const cleanup = cleanupAfterEach();

function connect(address: string): ScriptedWorker {
  return cleanup.add(new ScriptedWorker(address));
}

/** A deterministic gradient a reader can regenerate: g[j] = sin(j·(k+1)) · (k+1). */
function gradientOf(k: number, d: number): Float32Array {
  return Float32Array.from({ length: d }, (_, j) => Math.sin(j * (k + 1)) * (k + 1));
}

describe('parameter server rounds over gRPC', () => {
  it('answers Join with the task, d and the round, and gives a rejoining worker its id back', async () => {
    const server = cleanup.add(await startTestServer({ dimension: 10 }));
    const worker = connect(server.address);
    const first = await worker.join('alpha');
    await worker.join('beta');
    expect(first).toEqual({ workerId: 1, task: 'synthetic', dimension: 10, round: 0, maxChunkBytes: 1024 * 1024, pullWaitMs: 10_000, gradientEncodings: ['FLOAT32', 'BFLOAT16'], shards: [] });
    expect((await worker.join('alpha')).workerId).toBe(1);
  });

  it('refuses a malformed worker name with INVALID_ARGUMENT and workers beyond --max-workers with RESOURCE_EXHAUSTED', async () => {
    const server = cleanup.add(await startTestServer({ dimension: 2, maxWorkers: 2 }));
    const worker = connect(server.address);
    await expect(worker.join('has space')).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
    await worker.join('one');
    await worker.join('two');
    await expect(worker.join('three')).rejects.toMatchObject({ code: status.RESOURCE_EXHAUSTED, details: expect.stringMatching(/2 workers have joined/) as unknown });
    expect((await worker.join('one')).workerId).toBe(1);
  });

  it('moves θ by exactly −η·mean of the gradients, round after round, with multi-chunk tensors', async () => {
    // d·4 = 1.2 MB: the model is pulled in two chunks and pushed in several.
    const d = 300_000;
    const learningRate = 0.25;
    const server = cleanup.add(await startTestServer({ dimension: d, learningRate, rule: 'mean' }));
    const clients = [0, 1, 2].map(() => connect(server.address));
    const ids = await Promise.all(clients.map(async (client, k) => (await client.join(`w${k}`)).workerId));
    for (let round = 0; round < 3; round++) {
      const pulled = await clients[0]!.pull(ids[0]!);
      expect(pulled.round).toBe(round);
      const gradients = [0, 1, 2].map((k) => gradientOf(k + round, d));
      const replies = await Promise.all(clients.map((client, k) => client.push(ids[k]!, round, gradients[k]!, 100_000)));
      expect(replies).toEqual([0, 1, 2].map(() => ({ ok: true, round })));
      await eventually(() => server.handle.engine.round === round + 1, `round ${round} closes`);
      const after = await clients[1]!.pull(ids[1]!);
      expect(after.round).toBe(round + 1);
      let worst = 0;
      for (let j = 0; j < d; j++) {
        const mean = (gradients[0]![j]! + gradients[1]![j]! + gradients[2]![j]!) / 3;
        const expected = Math.fround(pulled.theta[j]! - learningRate * mean);
        // The server sums in its own order and rounds the mean to float32 before the step: allow two
        // float32 roundings of the magnitudes involved, nothing more.
        const magnitude = (Math.abs(gradients[0]![j]!) + Math.abs(gradients[1]![j]!) + Math.abs(gradients[2]![j]!)) / 3;
        const allowed = 2 * 2 ** -23 * (Math.abs(pulled.theta[j]!) + learningRate * magnitude) + Number.MIN_VALUE;
        worst = Math.max(worst, Math.abs(after.theta[j]! - expected) / allowed);
      }
      expect(worst).toBeLessThanOrEqual(1);
    }
  });

  it('closes a round at its deadline without a worker that never pushes', async () => {
    const server = cleanup.add(await startTestServer({ dimension: 4, roundDeadlineMs: 1000, quorum: 2, learningRate: 1 }));
    const client = connect(server.address);
    const a = (await client.join('a')).workerId;
    const b = (await client.join('b')).workerId;
    await client.join('silent');
    const before = await client.pull(a);
    expect((await client.push(a, 0, [1, 2, 3, 4])).ok).toBe(true);
    expect((await client.push(b, 0, [3, 2, 1, 0])).ok).toBe(true);
    expect(server.handle.engine.round).toBe(0);
    await eventually(() => server.handle.engine.round === 1, 'the deadline closes round 0');
    const after = await client.pull(a);
    expect(Array.from(after.theta)).toEqual(Array.from(before.theta, (value) => Math.fround(value - 2)));
  });

  it('does not let a worker that disconnects mid-push hold the round past its deadline', async () => {
    const server = cleanup.add(await startTestServer({ dimension: 8, roundDeadlineMs: 200, quorum: 2 }));
    const client = connect(server.address);
    const dropper = connect(server.address);
    const ids = await Promise.all(['a', 'b', 'dropper'].map(async (name) => (await client.join(name)).workerId));
    const half = dropper.pushChunks(chunksOf(ids[2]!, 0, [1, 1, 1, 1], 4), { end: false });
    await eventually(async () => ((await server.handle.metrics.gradientBytesReceived.get()).values[0]?.value ?? 0) >= 16, 'the partial push reaches the server');
    half.cancel();
    const outcome = await half;
    expect(outcome.ok).toBe(false);
    expect((await client.push(ids[0]!, 0, [1, 2, 3, 4, 5, 6, 7, 8])).ok).toBe(true);
    expect((await client.push(ids[1]!, 0, [1, 2, 3, 4, 5, 6, 7, 8])).ok).toBe(true);
    await eventually(() => server.handle.engine.round === 1, 'the deadline closes round 0 without the dropper');
    expect(server.handle.engine.workers().find((worker) => worker.name === 'dropper')?.pushed).toBe(false);
  });
});
