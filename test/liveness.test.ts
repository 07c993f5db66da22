import { describe, expect, it } from 'vitest';
import { startAdversary } from '../cli/adversaries.js';
import { attackedRatio, measureLiveness, table } from '../cli/liveness-bench.js';
import { cliPath } from './cli-process.js';
import { startTestServer, type TestServer } from './server-harness.js';
import { startTestWorker, type TestWorker } from './worker-harness.js';

describe('liveness: clients that abuse the protocol cannot hold rounds', () => {
  it('7 honest worker processes keep ≥ 70 % of their rounds/s while clients push NaN, push stale rounds and only pull; one pull per worker and round', async () => {
    const figures = await measureLiveness({ task: 'synthetic', honest: 7, rule: 'flag', f: 3, seconds: 2.5, minRounds: 50, cycles: 5, entry: cliPath });
    console.log(`${table('synthetic', figures)}\nattacked rounds/s: ${(100 * attackedRatio(figures)).toFixed(1)} % of honest`);
    expect(attackedRatio(figures)).toBeGreaterThanOrEqual(0.7);
    const attacked = figures.filter((figure) => figure.phase !== 'honest');
    for (const phase of attacked) {
      // The adversaries were there and refused, and no round waited for them to its deadline.
      expect(phase.refused.stale_round).toBeGreaterThan(0);
      expect(phase.deadlineCloses).toBe(0);
    }
    // A NaN push that arrives after its round closed is refused as stale, which a busy machine makes
    // common; across all phases some must have arrived in time to be refused for their values.
    expect(attacked.reduce((sum, phase) => sum + (phase.refused.non_finite ?? 0), 0)).toBeGreaterThan(0);
    const honest = figures.filter((figure) => figure.phase === 'honest');
    const honestRounds = honest.reduce((sum, phase) => sum + phase.rounds, 0);
    const honestPulls = honest.reduce((sum, phase) => sum + phase.pullsPerWorkerRound * phase.rounds, 0);
    expect(honestRounds).toBeGreaterThanOrEqual(200);
    expect(honestPulls / honestRounds, 'pulls per worker and round').toBeLessThanOrEqual(1.05);
  }, 600_000);

  it('a client that alternates pushing and stalling holds at most ⌈log₂(R + 1)⌉ of R rounds to their deadline', async () => {
    let server: TestServer | undefined;
    const workers: TestWorker[] = [];
    let staller: ReturnType<typeof startAdversary> | undefined;
    try {
      server = await startTestServer({ dimension: 64, rule: 'mean', roundDeadlineMs: 200, workerToken: '', logLevel: 'warn' });
      const evictions: number[] = [];
      server.handle.events.on('workerEvicted', ({ round }) => evictions.push(round));
      for (let shard = 0; shard < 4; shard++) workers.push(await startTestWorker(server.address, { name: `honest-${shard}`, workers: 4, shard, workerToken: '', logLevel: 'warn' }));
      await server.handle.engine.waitForRound(5, AbortSignal.timeout(60_000));
      // One round pushed, one withheld, over and over: without probation, every other round would wait for it.
      staller = startAdversary('staller', server.address, 'staller', { participate: 1, stall: 1 });
      const first = server.handle.engine.round;
      const timeoutsBefore = await counter(server, 'roundTimeouts');
      await server.handle.engine.waitForRound(first + 300, AbortSignal.timeout(240_000));
      const rounds = server.handle.engine.round - first;
      const heldToDeadline = (await counter(server, 'roundTimeouts')) - timeoutsBefore;
      console.log(`staller: ${rounds} rounds, ${heldToDeadline} closed at the deadline, evicted in rounds ${evictions.join(', ')}; it pushed ${staller.counts.pushes} times`);
      expect(staller.counts.pushes).toBeGreaterThan(0);
      expect(evictions.length).toBeGreaterThan(0);
      expect(heldToDeadline).toBeLessThanOrEqual(Math.ceil(Math.log2(rounds + 1)));
    } finally {
      await staller?.stop();
      await Promise.all(workers.map((worker) => worker.handle.close()));
      await server?.close();
    }
  }, 300_000);
});

async function counter(server: TestServer, name: 'roundTimeouts'): Promise<number> {
  return (await server.handle.metrics[name].get()).values[0]?.value ?? 0;
}
