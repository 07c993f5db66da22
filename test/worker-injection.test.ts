import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from './cleanup.js';
import { type CliChild, runCliAsync, spawnWorker } from './cli-spawn.js';
import { ADMIN_TOKEN, eventually, metricValue, scrape, startTestServer, WORKER_TOKEN } from './server-harness.js';

const cleanup = cleanupAfterEach();

const env = { BYZPS_WORKER_TOKEN: WORKER_TOKEN, BYZPS_ADMIN_TOKEN: ADMIN_TOKEN };

async function startWorkers(address: string, names: readonly string[], args: readonly string[] = []): Promise<void> {
  const started = await Promise.all(names.map((name) => spawnWorker(address, name, ['--workers', String(names.length), ...args], env)));
  for (const worker of started) stopAfterTest(worker.run);
}

function stopAfterTest(child: CliChild): CliChild {
  return cleanup.add(child, (run) => run.stop());
}

/** JSON log records a worker process wrote to stdout. */
function records(child: CliChild): { msg: string; round?: number; workerId?: number }[] {
  return child.stdoutLines.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { msg: string; round?: number; workerId?: number });
}

describe('operating on running worker processes', () => {
  it('a live injection switches an honest worker to sign-flip and back, and its trimmed-mean kept share follows', async () => {
    const server = cleanup.add(await startTestServer({ dimension: 256, rule: 'trimmed-mean', f: 1, adminToken: ADMIN_TOKEN, learningRate: 0.2 }));
    await startWorkers(server.address, ['w-0', 'w-1', 'w-2', 'w-3', 'w-4']);
    const keptShare = async () => metricValue(await scrape(server.handle.httpPort), 'byzps_worker_influence', { worker: 'w-4', quantity: 'keptShare' });
    // Honest, w-4 keeps the share of coordinates that fall in the middle three of five: 0.6 on average.
    await eventually(async () => (await keptShare()) > 0.3, 'w-4 is among the kept values while honest', 20_000);
    const honestShare = await keptShare();

    const inject = await runCliAsync(['inject', '--server', server.address, '--worker', 'w-4', '--attack', 'sign-flip', '--attack-param', 'k=10'], env);
    expect(inject.code, inject.stderr).toBe(0);
    await eventually(async () => (await keptShare()) < 0.05, 'trimmed-mean drops nearly every coordinate of w-4', 20_000);
    const attackedShare = await keptShare();

    const clear = await runCliAsync(['inject', '--server', server.address, '--worker', 'w-4', '--clear'], env);
    expect(clear.code, clear.stderr).toBe(0);
    await eventually(async () => (await keptShare()) > 0.3, 'w-4 is kept again once honest', 20_000);
    console.log(`w-4 kept share under trimmed-mean (f = 1, n = 5): honest ${honestShare.toFixed(3)}, sign-flip k=10 ${attackedShare.toFixed(3)}, cleared ${(await keptShare()).toFixed(3)}`);
  });

  it('a worker that crashed with its exit code, restarted under the same name, gets its id back and has its pushes accepted again', async () => {
    const server = cleanup.add(await startTestServer({ dimension: 64, rule: 'mean', roundDeadlineMs: 300, quorum: 1 }));
    await startWorkers(server.address, ['steady-0', 'steady-1']);
    const crasher = await spawnWorker(server.address, 'crasher', ['--workers', '3', '--fault', 'crash:exit-code=3,after-steps=3'], env);
    stopAfterTest(crasher.run);
    expect(await crasher.run.exited).toBe(3);
    const firstJoin = records(crasher.run).find((record) => record.msg === 'joined the parameter server')!;
    const roundsBefore = server.handle.engine.round;
    await eventually(() => server.handle.engine.round >= roundsBefore + 3, 'rounds go on without it');

    const lastPush = () => server.handle.engine.workers().find((worker) => worker.name === 'crasher')!.lastPushUnixMs;
    const lastPushBeforeCrash = lastPush();
    const restarted = await spawnWorker(server.address, 'crasher', ['--workers', '3'], { ...env, LOG_LEVEL: 'debug' });
    stopAfterTest(restarted.run);
    await eventually(() => records(restarted.run).some((record) => record.msg === 'step done'), 'the restarted worker pushes', 20_000);
    const join = records(restarted.run).find((record) => record.msg === 'joined the parameter server')!;
    const firstStep = records(restarted.run).find((record) => record.msg === 'step done')!;
    expect(join.workerId).toBe(firstJoin.workerId);
    // Rounds do not wait for a worker that has just joined; it computes for the round open when it pulled.
    expect(firstStep.round).toBeGreaterThanOrEqual(join.round!);
    await eventually(() => lastPush() > lastPushBeforeCrash, 'the server accepts a push from the restarted worker');
    expect(server.handle.engine.workers().map((worker) => worker.name).sort()).toEqual(['crasher', 'steady-0', 'steady-1']);
  });
});
