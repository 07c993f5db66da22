import { afterEach, describe, expect, it } from 'vitest';
import { SyntheticTask } from '../worker/tasks/synthetic.js';
import { eventually, startTestServer, type TestServer } from './server-harness.js';
import { startTestWorker, type TestWorker } from './worker-harness.js';

let server: TestServer | undefined;
let workers: TestWorker[] = [];

afterEach(async () => {
  await Promise.all(workers.map((worker) => worker.handle.close()));
  await server?.close();
  workers = [];
  server = undefined;
});

describe('worker training loop', () => {
  it('three honest workers join, pull, push every round and bring the synthetic loss down', async () => {
    const d = 200;
    server = await startTestServer({ dimension: d, learningRate: 0.5, seed: 3 });
    workers = await Promise.all(['w0', 'w1', 'w2'].map((name) => startTestWorker(server!.address, { name, workers: 3, seed: 3 })));
    const task = new SyntheticTask({ dimension: d, seed: 3 });
    const before = task.evaluate(server.handle.engine.parameters).loss;
    await eventually(() => server!.handle.engine.round >= 20, 'twenty rounds close', 20_000);
    const after = task.evaluate(server.handle.engine.parameters).loss;
    console.log(`synthetic d=${d}: loss ${before.toFixed(4)} → ${after.toFixed(4)} (floor ${task.lossFloor().toFixed(4)})`);
    expect(after - task.lossFloor()).toBeLessThan(0.2 * (before - task.lossFloor()));
    for (const worker of workers) expect(worker.handle.loop.stepsDone).toBeGreaterThanOrEqual(19);
  });
});
