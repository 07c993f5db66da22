import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from './cleanup.js';
import { expectOneLineFailure, runCli } from './cli-process.js';
import { runCliAsync, spawnWorker } from './cli-spawn.js';
import { ADMIN_TOKEN, eventually, metricValue, scrape, startTestServer, WORKER_TOKEN } from './server-harness.js';

const cleanup = cleanupAfterEach();

describe('byzps worker, inject and status', () => {
  it('worker --help lists the settings, the attacks with their papers, and the fault syntax', () => {
    const run = runCli(['worker', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^ {2}--attack-param \(BYZPS_ATTACK_PARAM, default none\)/m);
    expect(run.stdout).toMatch(/^ {2}alie \[n, f, z\]\n {6}μ − z·σ .*Baruch/m);
    expect(run.stdout).toMatch(/^ {2}delay:ms=1000$/m);
  });

  it('worker refuses bad settings with one line and exit code 2', () => {
    expectOneLineFailure(runCli(['worker', '--attack', 'sign-flip', '--fault', 'delay:sec=1', '--batch-size', '0']), 2, /^byzps worker: invalid worker configuration: --batch-size must be between 1 and 1000000, got 0; --fault: delay has no parameter "sec"/);
  });

  it('worker refuses to start with one line and exit code 2 when it cannot write --http-address-file', async () => {
    const file = '/nonexistent-byzps-directory/http-address';
    const run = await runCliAsync(['worker', '--server', '127.0.0.1:1', '--name', 'w', '--http-host', '127.0.0.1', '--http-port', '0', '--http-address-file', file]);
    expectOneLineFailure({ code: typeof run.code === 'number' ? run.code : null, stdout: run.stdout, stderr: run.stderr }, 2, /^byzps worker: cannot write the \/healthz address to --http-address-file \/nonexistent-byzps-directory\/http-address: ENOENT/);
  }, 30_000);

  it('worker stops with one line and exit code 1 when the server refuses its token', async () => {
    const server = cleanup.add(await startTestServer());
    const run = await runCliAsync(['worker', '--server', server.address, '--name', 'w', '--http-port', '0', '--worker-token', 'not-the-token']);
    expect(run.code).toBe(1);
    // The address line it prints on start, then the failure as one line.
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^byzps worker: w training against 127\.0\.0\.1:\d+, metrics on http:\/\/0\.0\.0\.0:\d+\/metrics$/);
    expect(lines[1]).toBe('byzps worker: Join failed with UNAUTHENTICATED: the bearer token is not the worker token');
  });

  it('status prints the round, rule and a table of workers; inject switches a worker process and clears it again; SIGTERM ends it with 0', async () => {
    const server = cleanup.add(await startTestServer({ dimension: 32, adminToken: ADMIN_TOKEN, rule: 'median', f: 0, roundDeadlineMs: 200, quorum: 1 }));
    const env = { BYZPS_WORKER_TOKEN: WORKER_TOKEN, BYZPS_ADMIN_TOKEN: ADMIN_TOKEN };
    const worker = await spawnWorker(server.address, 'w-1', ['--workers', '1'], env);
    cleanup.add(worker.run, (run) => run.stop());
    await eventually(() => server.handle.engine.round >= 2, 'the worker process trains');

    const status = await runCliAsync(['status', '--server', server.address], env);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^rule +median \(f=0\)$/m);
    expect(status.stdout).toMatch(/^task +synthetic, d=32$/m);
    expect(status.stdout).toMatch(/^gradients +[01] in for this round, quorum 1, waiting for 1 awaited worker$/m);
    expect(status.stdout).toMatch(/^ID +WORKER +AWAITED +PUSHED THIS ROUND +LAST PUSH$/m);
    expect(status.stdout).toMatch(/^1 +w-1 +yes +(yes|no) +\d+\.\d s ago$/m);

    const active = async (name: string) => metricValue(await scrape(worker.httpPort), 'byzps_worker_active', { kind: 'attack', name });
    expect(await active('none')).toBe(1);
    const inject = await runCliAsync(['inject', '--server', server.address, '--worker', 'w-1', '--attack', 'sign-flip', '--attack-param', 'k=3'], env);
    expect(inject.code).toBe(0);
    expect(inject.stdout).toBe("queued sign-flip:k=3 for w-1; it applies from the worker's next pull\n");
    await eventually(async () => (await active('sign-flip')) === 1, 'the worker switches to sign-flip');
    const clear = await runCliAsync(['inject', '--server', server.address, '--worker', 'w-1', '--clear'], env);
    expect(clear.code).toBe(0);
    await eventually(async () => (await active('none')) === 1, 'the worker is honest again');
    expect(await worker.run.stop()).toBe(0);
  });

  it('inject and status fail with one line: unknown worker (1), unknown attack, missing token or server (2)', async () => {
    const server = cleanup.add(await startTestServer({ adminToken: ADMIN_TOKEN }));
    const env = { BYZPS_ADMIN_TOKEN: ADMIN_TOKEN };
    const expectOneLine = (run: { code: number | string; stdout: string; stderr: string }, code: number, message: RegExp) => {
      expectOneLineFailure({ code: run.code as number, stdout: run.stdout, stderr: run.stderr }, code, message);
    };
    expectOneLine(await runCliAsync(['inject', '--server', server.address, '--worker', 'ghost', '--attack', 'zero'], env), 1, /^byzps inject: InjectFault failed: no worker named "ghost" has joined$/);
    expectOneLine(await runCliAsync(['inject', '--server', server.address, '--worker', 'w', '--attack', 'warp'], env), 2, /^byzps inject: unknown attack "warp"; known: sign-flip/);
    expectOneLine(await runCliAsync(['inject', '--server', server.address, '--worker', 'w', '--fault', 'delay:ms=-1'], env), 2, /^byzps inject: delay parameter ms must be ≥ 0, got -1/);
    expectOneLine(await runCliAsync(['inject', '--server', server.address, '--worker', 'w', '--clear', '--rounds', '2'], env), 2, /--clear goes alone/);
    expectOneLine(await runCliAsync(['status', '--server', server.address], { BYZPS_ADMIN_TOKEN: '' }), 2, /^byzps status: invalid status configuration: --admin-token is required \(see byzps status --help\)$/);
    expectOneLine(await runCliAsync(['status', '--server', server.address, '--admin-token', 'wrong'], {}), 1, /^byzps status: Status failed: the bearer token is not the operator token$/);
    expectOneLine(await runCliAsync(['status'], env), 2, /^byzps status: invalid status configuration: --server is required/);
    expectOneLine(await runCliAsync(['status', '--sever', 'x:1'], env), 2, /^byzps status: invalid status configuration: unknown flag --sever \(did you mean --server\?\) \(see byzps status --help\)$/);
  });
});
