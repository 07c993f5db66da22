import { describe, expect, it } from 'vitest';
import type { ServerConfig } from '../services/config.js';
import { parseInstructions } from '../worker/faults.js';
import { cleanupAfterEach } from './cleanup.js';
import { eventually, metricValue, scrape, startTestServer, type TestServer } from './server-harness.js';
import { startTestWorker, workerMetric, type TestWorker } from './worker-harness.js';

const cleanup = cleanupAfterEach();
/** The test's current server: the newest serverWith started. */
let server: TestServer;

const closeWorker = (worker: TestWorker) => worker.handle.close();

/** A server whose rounds close 150 ms after their first gradient, so a faulty worker cannot hold them up. */
async function serverWith(overrides: Partial<ServerConfig> = {}): Promise<TestServer> {
  server = cleanup.add(await startTestServer({ dimension: 64, roundDeadlineMs: 150, quorum: 1, ...overrides }));
  return server;
}

/** An honest worker "h" and a worker "x" launched with `faults` (the --fault syntax). */
async function honestAndFaulty(faults: string): Promise<{ honest: TestWorker; faulty: TestWorker }> {
  const honest = cleanup.add(await startTestWorker(server.address, { name: 'h', workers: 2 }), closeWorker);
  const faulty = cleanup.add(await startTestWorker(server.address, { name: 'x', workers: 2, fault: parseInstructions(faults) }), closeWorker);
  return { honest, faulty };
}

async function rejected(reason: string): Promise<number> {
  return metricValue(await scrape(server.handle.httpPort), 'byzps_gradients_rejected_total', { reason });
}

describe('system faults of a worker', () => {
  it('delay: a straggler sleeping 2 s before each push misses the 150 ms deadline and is refused as stale', async () => {
    await serverWith();
    const { faulty } = await honestAndFaulty('delay:ms=2000');
    await eventually(async () => (await workerMetric(faulty.handle.metrics.pushFailures, { code: 'FAILED_PRECONDITION' })) >= 1, 'the straggler’s push arrives late', 15_000);
    expect(await rejected('stale_round')).toBeGreaterThanOrEqual(1);
    expect(server.handle.engine.round).toBeGreaterThan(3);
  });

  it('a worker stopped in the middle of a 10-minute delay stops at once, without pushing', async () => {
    await serverWith();
    const { faulty } = await honestAndFaulty('delay:ms=600000');
    await eventually(() => faulty.logLines.some((line) => line.includes('"msg":"joined the parameter server"')) && server.handle.engine.round >= 2, 'the straggler is sleeping before its push');
    await faulty.handle.close();
    await faulty.handle.done;
    expect(await workerMetric(faulty.handle.metrics.pushDuration)).toBe(0);
    expect(await workerMetric(faulty.handle.metrics.reconnects)).toBe(0);
  });

  it('drop-push: the worker computes every round but the server never gets a gradient from it', async () => {
    await serverWith();
    const { faulty } = await honestAndFaulty('drop-push:probability=1');
    await eventually(() => server.handle.engine.round >= 5, 'five rounds close without it');
    expect(await workerMetric(faulty.handle.metrics.pushesSkipped)).toBeGreaterThanOrEqual(3);
    expect(await workerMetric(faulty.handle.metrics.steps)).toBeGreaterThanOrEqual(3);
    expect(server.handle.engine.workers().find((worker) => worker.name === 'x')?.lastPushUnixMs).toBe(0);
  });

  it('duplicate-push: every second copy is refused, as a duplicate or, once its push closed the round, as stale; training goes on', async () => {
    await serverWith();
    const { faulty } = await honestAndFaulty('duplicate-push');
    await eventually(() => server.handle.engine.round >= 4, 'four rounds close');
    const refusedCopies = (await workerMetric(faulty.handle.metrics.pushFailures, { code: 'ALREADY_EXISTS' })) + (await workerMetric(faulty.handle.metrics.pushFailures, { code: 'FAILED_PRECONDITION' }));
    expect(refusedCopies).toBeGreaterThanOrEqual(3);
    expect((await rejected('duplicate')) + (await rejected('stale_round'))).toBeGreaterThanOrEqual(3);
    expect(await workerMetric(faulty.handle.metrics.steps)).toBeGreaterThanOrEqual(3);
  });

  it.each([
    ['nan-payload', 'INVALID_ARGUMENT', 'non_finite'],
    ['truncated-payload', 'INVALID_ARGUMENT', 'misaligned_chunk'],
    ['wrong-length:extra=-1', 'INVALID_ARGUMENT', 'wrong_length'],
    ['wrong-length:extra=3', 'RESOURCE_EXHAUSTED', 'stream_too_long'],
  ])('%s: the server refuses the push with %s (%s) and θ stays finite', async (fault, code, reason) => {
    await serverWith();
    const { faulty } = await honestAndFaulty(fault);
    await eventually(async () => (await workerMetric(faulty.handle.metrics.pushFailures, { code })) >= 2, 'two corrupt pushes are refused');
    expect(await rejected(reason)).toBeGreaterThanOrEqual(2);
    expect(server.handle.engine.parameters.every(Number.isFinite)).toBe(true);
  });

  it('crash: exits with the given code once its steps are done', async () => {
    await serverWith();
    const { faulty } = await honestAndFaulty('crash:exit-code=7,after-steps=2');
    await eventually(() => faulty.exitCodes.length > 0, 'the worker crashes');
    expect(faulty.exitCodes).toEqual([7]);
    await faulty.handle.done;
    expect(faulty.handle.loop.stepsDone).toBe(2);
  });

  it('hang: stops pulling and pushing after its steps but keeps running until stopped', async () => {
    await serverWith();
    const { faulty } = await honestAndFaulty('hang:after-steps=1');
    await eventually(() => server.handle.engine.round >= 5, 'rounds go on without the hung worker');
    expect(faulty.handle.loop.stepsDone).toBe(1);
    let settled = false;
    void faulty.handle.done.then(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(settled).toBe(false);
    expect(faulty.logLines.some((line) => line.includes('hang fault'))).toBe(true);
  });

  it('disconnect: drops its connection, joins again under the same name and id, and pushes again', async () => {
    await serverWith();
    const { faulty } = await honestAndFaulty('disconnect:down-ms=50');
    await eventually(async () => (await workerMetric(faulty.handle.metrics.reconnects)) === 1 && faulty.handle.loop.stepsDone >= 3, 'it reconnects and trains on');
    const joins = faulty.logLines.map((line) => JSON.parse(line) as { msg: string; workerId?: number }).filter((record) => record.msg === 'joined the parameter server');
    expect(joins).toHaveLength(2);
    expect(joins[1]!.workerId).toBe(joins[0]!.workerId);
    expect(await workerMetric(faulty.handle.metrics.active, { kind: 'fault', name: 'disconnect' })).toBe(0);
  });

  it('rejoins under the same name after the server restarts, with capped backoff while it is away', async () => {
    const first = await serverWith();
    const port = first.handle.grpcPort;
    const worker = cleanup.add(await startTestWorker(first.address, { name: 'h', workers: 1 }), closeWorker);
    await eventually(() => first.handle.engine.round >= 2, 'the first server runs rounds');
    await first.close();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await serverWith({ grpcPort: port });
    await eventually(() => server.handle.engine.round >= 2, 'the restarted server runs rounds with the worker', 15_000);
    expect(await workerMetric(worker.handle.metrics.reconnects)).toBeGreaterThanOrEqual(1);
    expect(server.handle.engine.workers().map((record) => record.name)).toEqual(['h']);
  });
});
