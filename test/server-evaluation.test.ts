import { describe, expect, it } from 'vitest';
import { loadTask } from '../services/task.js';
import { cleanupAfterEach } from './cleanup.js';
import { eventually, metricValue, scrape, ScriptedWorker, startTestServer } from './server-harness.js';

const cleanup = cleanupAfterEach();

describe('evaluation every k rounds', () => {
  it("exports the held-out loss of θ after every second round, as the task's own evaluate computes it", async () => {
    const settings = { task: 'synthetic', dimension: 50, hidden: 0, dataDir: '', seed: 9 };
    const server = cleanup.add(await startTestServer({ ...settings, evalEveryRounds: 2, learningRate: 0.5 }));
    const evaluated: { round: number; loss: number }[] = [];
    server.handle.events.on('evaluated', (event) => evaluated.push(event));
    const worker = new ScriptedWorker(server.address);
    const { workerId } = await worker.join('w');
    for (let round = 0; round < 2; round++) {
      const { theta } = await worker.pull(workerId);
      expect(await worker.push(workerId, round, theta)).toEqual({ ok: true, round });
      await eventually(() => server.handle.engine.round === round + 1, `round ${round} closes`);
    }
    const samples = () => scrape(server.handle.httpPort);
    await eventually(async () => metricValue(await samples(), 'byzps_eval_round') === 2, 'the evaluation of round 2 is exported');
    const { theta } = await worker.pull(workerId);
    worker.close();
    // Pushing θ as the gradient with η = 0.5 halves θ each round: θ₂ = θ₀/4.
    expect(Array.from(theta)).toEqual(Array.from(loadTask(settings).initialParameters(), (value) => value / 4));
    expect(metricValue(await samples(), 'byzps_eval_loss')).toBeCloseTo(loadTask(settings).evaluate(theta).loss, 12);
    expect(evaluated).toEqual([expect.objectContaining({ round: 2, loss: metricValue(await samples(), 'byzps_eval_loss') })]);
  });

  it('exports NaN, never a default 0 that would read as a perfect loss, while no evaluation has run', async () => {
    const server = cleanup.add(await startTestServer({ dimension: 8 }));
    const samples = await scrape(server.handle.httpPort);
    for (const name of ['byzps_eval_loss', 'byzps_eval_accuracy', 'byzps_eval_round']) expect(metricValue(samples, name), name).toBeNaN();
  });
});
