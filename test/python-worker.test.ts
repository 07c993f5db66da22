import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnServer } from './cli-spawn.js';
import { cleanupAfterEach } from './cleanup.js';
import { pythonWith } from './python.js';
import { ADMIN_TOKEN, callControl, controlClient, eventually, metricValue, scrape, WORKER_TOKEN } from './server-harness.js';
import { freePort } from '../runtime/free-port.js';

/*
 * byzps_worker (worker/python/) against a real `byzps ps --task external` process: PyTorch workers
 * (float32 and bfloat16, honest and Byzantine) train a model the server knows only by θ₀, an
 * evaluator's reports reach the server's metrics, a worker stops cleanly on SIGTERM, follows an
 * operator's instructions, and rides out a server restart by reconnecting and joining again.
 */

const MODEL = fileURLToPath(new URL('./python/linear_model.py', import.meta.url));
const interpreter = pythonWith(['torch', 'grpc', 'grpc_tools', 'numpy'], ['python3-torch', 'python3-grpcio', 'python3-grpc-tools', 'python3-numpy']);
if ('missing' in interpreter) throw new Error(`the Python worker tests ${interpreter.missing}`);
const python = interpreter.python;

const cleanup = cleanupAfterEach();
let directory: string;
let theta0: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'byzps-python-worker-'));
  theta0 = join(directory, 'theta0.npy');
  const init = spawnSync(python, [MODEL, 'init', theta0], { encoding: 'utf8' });
  expect(init.status, init.stderr).toBe(0);
}, 60_000);

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

interface PythonChild {
  readonly lines: Record<string, unknown>[];
  stderr(): string;
  readonly exited: Promise<number | string>;
  readonly child: ChildProcess;
}

/** linear_model.py with `args`, its JSON lines collected; killed after the test. */
function runModel(args: readonly string[]): PythonChild {
  const child = spawn(python, [MODEL, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Record<string, unknown>[] = [];
  let stderr = '';
  let partial = '';
  child.stdout.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString('utf8')).split('\n');
    partial = parts.pop()!;
    for (const line of parts) lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<number | string>((resolve) => {
    child.once('close', (code, signal) => {
      resolve(code ?? signal ?? 'unknown');
    });
  });
  cleanup.defer(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  return { lines, stderr: () => stderr, exited, child };
}

async function startServer(args: readonly string[]) {
  const server = await spawnServer(['--task', 'external', '--initial-parameters', theta0, '--worker-token', WORKER_TOKEN, '--log-level', 'warn', ...args]);
  cleanup.defer(() => server.run.stop());
  return server;
}

const lastRound = (child: PythonChild) => Math.max(-1, ...child.lines.filter((line) => typeof line.round === 'number').map((line) => line.round as number));

describe('byzps_worker against a real server', () => {
  it('honest float32 and bfloat16 workers and a sign-flipper train under the median; the evaluator reports to /metrics', async () => {
    const { grpcPort, httpPort } = await startServer(['--grpc-port', '0', '--rule', 'median', '--f', '1', '--learning-rate', '0.1', '--round-deadline-ms', '60000']);
    const address = `127.0.0.1:${grpcPort}`;
    const rounds = 12;
    const common = ['worker', '--server', address, '--token', WORKER_TOKEN, '--rounds', String(rounds)];
    // The evaluator sees θ₀ before any worker starts: the loss to compare with is round 0's.
    const evaluator = runModel(['evaluate', '--server', address, '--token', WORKER_TOKEN, '--until-round', String(rounds)]);
    await eventually(() => evaluator.lines.some((line) => line.round === 0), 'the evaluator reports round 0', 60_000, 50);
    const workers = [
      runModel([...common, '--name', 'honest-a', '--shard', '0']),
      runModel([...common, '--name', 'honest-b', '--shard', '1', '--encoding', 'bfloat16']),
      runModel([...common, '--name', 'flipper', '--shard', '2', '--attack', 'sign-flip:k=4']),
    ];
    for (const worker of workers) {
      expect(await worker.exited, worker.stderr()).toBe(0);
      expect(worker.lines.at(-1)).toEqual({ done: true, pushed: rounds });
    }
    expect(await evaluator.exited, evaluator.stderr()).toBe(0);
    const evaluations = evaluator.lines.filter((line) => typeof line.round === 'number') as { round: number; loss: number; accuracy: unknown }[];
    expect(evaluations[0]!.round).toBe(0);
    expect(evaluations.at(-1)!.round).toBe(rounds);
    expect(evaluations.every((line) => line.accuracy === null)).toBe(true);
    // The median keeps the honest direction: the held-out loss falls well below θ₀'s.
    expect(evaluations.at(-1)!.loss).toBeLessThan(evaluations[0]!.loss / 4);
    const samples = await scrape(httpPort);
    expect(metricValue(samples, 'byzps_round')).toBe(rounds);
    expect(metricValue(samples, 'byzps_eval_round')).toBe(rounds);
    expect(metricValue(samples, 'byzps_eval_loss')).toBeCloseTo(evaluations.at(-1)!.loss, 10);
    expect(metricValue(samples, 'byzps_eval_accuracy')).toBeNaN();
    expect(metricValue(samples, 'byzps_gradients_received_total')).toBe(3 * rounds);
  }, 120_000);

  it('stops cleanly on SIGTERM in the middle of a long poll', async () => {
    // Round 0 needs two gradients: after pushing its own, the worker long-polls for round 1 (up to 30 s).
    const { grpcPort } = await startServer(['--grpc-port', '0', '--pull-wait-ms', '30000', '--quorum', '2']);
    const worker = runModel(['worker', '--server', `127.0.0.1:${grpcPort}`, '--token', WORKER_TOKEN, '--name', 'stopped']);
    await eventually(() => lastRound(worker) === 0, 'the worker has pushed for round 0', 60_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const start = Date.now();
    worker.child.kill('SIGTERM');
    expect(await worker.exited, worker.stderr()).toBe(0);
    expect(Date.now() - start).toBeLessThan(5000);
    expect(worker.lines.at(-1)).toMatchObject({ done: true });
  }, 90_000);

  it("follows an operator's InjectFault: an attack it knows switches it, `none` makes it honest again, a system fault is ignored", async () => {
    const { grpcPort } = await startServer(['--grpc-port', '0', '--admin-token', ADMIN_TOKEN]);
    const worker = runModel(['worker', '--server', `127.0.0.1:${grpcPort}`, '--token', WORKER_TOKEN, '--name', 'victim']);
    await eventually(() => lastRound(worker) >= 0, 'the worker has worked on a round', 60_000);
    const control = controlClient(`127.0.0.1:${grpcPort}`);
    cleanup.defer(() => {
      control.close();
    });
    const inject = (kind: string, params: Record<string, string> = {}) =>
      callControl((metadata, done) => control.injectFault({ workerName: 'victim', fault: { kind, params } }, metadata, done), ADMIN_TOKEN);
    expect(await inject('sign-flip', { k: '2' })).toMatchObject({ ok: true });
    await eventually(() => worker.stderr().includes("victim: instructed by the operator: now Attack('sign-flip', {'k': 2.0})"), 'the worker flips signs', 30_000);
    expect(await inject('crash')).toMatchObject({ ok: true });
    await eventually(() => worker.stderr().includes('victim: ignoring the instruction crash (not implemented by the Python worker)'), 'the worker ignores crash', 30_000);
    expect(await inject('none')).toMatchObject({ ok: true });
    await eventually(() => worker.stderr().includes('victim: instructed by the operator: now honest'), 'the worker is honest again', 30_000);
    worker.child.kill('SIGTERM');
    expect(await worker.exited, worker.stderr()).toBe(0);
  }, 90_000);

  it('reconnects after the server restarts from its checkpoint, joins again under its name and goes on', async () => {
    const port = await freePort();
    const args = ['--grpc-port', String(port), '--checkpoint-dir', join(directory, 'checkpoints'), '--checkpoint-every-rounds', '1'];
    const first = await startServer(args);
    const worker = runModel(['worker', '--server', `127.0.0.1:${port}`, '--token', WORKER_TOKEN, '--name', 'survivor']);
    await eventually(() => lastRound(worker) >= 3, 'the worker has worked on 4 rounds', 60_000);
    expect(await first.run.stop()).toBe(0);
    const before = lastRound(worker);
    await startServer(args);
    // The worker's own account goes with a timeout: what it last tried, and how it reconnected.
    await eventually(() => lastRound(worker) >= before + 3, 'the worker trains on after the restart', 60_000).catch((error: unknown) => {
      throw new Error(`${String(error)}; last round ${String(lastRound(worker))} (before the restart ${String(before)}); worker's stderr:\n${worker.stderr()}`);
    });
    expect(worker.stderr()).toMatch(/reconnecting in/);
    worker.child.kill('SIGTERM');
    expect(await worker.exited, worker.stderr()).toBe(0);
  }, 120_000);
});
