import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeNpy } from '../runtime/npy.js';
import { iid } from '../tasks/partition.js';
import { createTask } from '../tasks/registry.js';
import { SyntheticTask } from '../tasks/synthetic.js';
import type { Task } from '../tasks/task.js';
import { pythonWith } from './python.js';
import { startTestServer, WORKER_TOKEN, type TestServer } from './server-harness.js';
import { startTestWorker, type TestWorker } from './worker-harness.js';

/*
 * docs/PROTOCOL.md is enough to write a worker in another language: a Python client written from
 * it and the .proto files alone (test/conformance/byzps_worker.py, stubs generated here from
 * proto/) trains next to TypeScript workers, and its gradient for its shard and a round equals the
 * TypeScript task's for the same θ, shard and round.
 */

const root = fileURLToPath(new URL('../', import.meta.url));
const CLIENT = join(root, 'test/conformance/byzps_worker.py');
const interpreter = pythonWith(['grpc', 'grpc_tools', 'numpy'], ['python3-grpcio', 'python3-grpc-tools', 'python3-numpy']);
if ('missing' in interpreter) throw new Error(`the protocol conformance test ${interpreter.missing}`);
const python = interpreter.python;

let stubs: string;

beforeAll(async () => {
  stubs = await mkdtemp(join(tmpdir(), 'byzps-stubs-'));
  const protoc = spawnSync(python, ['-m', 'grpc_tools.protoc', `-I${join(root, 'proto')}`, `--python_out=${stubs}`, `--grpc_python_out=${stubs}`, 'byzps/v1/parameter_server.proto'], { encoding: 'utf8', cwd: root });
  expect(protoc.status, protoc.stderr).toBe(0);
});

afterAll(async () => {
  await rm(stubs, { recursive: true, force: true });
});

interface ConformanceCase {
  readonly task: 'synthetic' | 'fashion-mnist';
  readonly server: { readonly dimension?: number; readonly hidden?: number; readonly learningRate: number };
  readonly rounds: number;
  readonly save: number;
}

/** Runs the Python worker as shard 3 of 4 beside 3 TypeScript workers; returns its output folder and its report lines. */
async function trainAlongside(c: ConformanceCase, out: string): Promise<{ round: number; accepted: true | string }[]> {
  const seed = 11;
  const dataSeed = 5;
  let server: TestServer | undefined;
  const workers: TestWorker[] = [];
  try {
    // Every round waits for all four, so the Python worker's gradient is in every round it pushes for.
    server = await startTestServer({ task: c.task, seed, quorum: 4, roundDeadlineMs: 60_000, logLevel: 'warn', ...c.server });
    for (let shard = 0; shard < 3; shard++) {
      workers.push(await startTestWorker(server.address, { name: `ts-${shard}`, workers: 4, shard, seed, dataSeed, batchSize: 8, logLevel: 'warn' }));
    }
    const args = [CLIENT, '--stubs', stubs, '--server', server.address, '--name', 'python-3', '--task', c.task, '--shard', '3', '--workers', '4', '--seed', String(seed), '--data-seed', String(dataSeed)];
    args.push('--batch-size', '8', '--rounds', String(c.rounds), '--save', String(c.save), '--out', out, '--token', WORKER_TOKEN, '--hidden', String(c.server.hidden ?? 0));
    const child = spawn(python, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(code, stderr).toBe(0);
    return stdout.trim().split('\n').map((line) => JSON.parse(line) as { round: number; accepted: true | string });
  } finally {
    await Promise.all(workers.map((worker) => worker.handle.close()));
    await server?.close();
  }
}

/** The bytes of a float32 vector, for bit-for-bit comparison (a decoded .npy may be a view on its file). */
function bytesOf(values: Float32Array): Buffer {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
}

async function npy(path: string): Promise<Float32Array> {
  const { data } = decodeNpy(await readFile(path));
  return data as Float32Array;
}

/** The TypeScript task's gradient for shard 3 of 4 and `round` at θ. */
function typescriptGradient(task: Task, theta: Float32Array, round: number): Float32Array {
  const shard = task.shard({ worker: 3, workers: 4, partition: iid, seed: 5 });
  return task.lossAndGradient(theta, shard.batch(round, 8)).gradient;
}

describe('protocol conformance: a Python worker written from docs/PROTOCOL.md', () => {
  it('synthetic: trains beside TypeScript workers, every push accepted; θ₀, θ* and its gradients equal the TypeScript ones bit for bit', async () => {
    const out = await mkdtemp(join(tmpdir(), 'byzps-conformance-'));
    try {
      const reports = await trainAlongside({ task: 'synthetic', server: { dimension: 1000, learningRate: 0.3 }, rounds: 12, save: 4 }, out);
      expect(reports.map((report) => report.accepted)).toEqual(Array.from({ length: 12 }, () => true));
      expect(reports.map((report) => report.round)).toEqual(Array.from({ length: 12 }, (_, round) => round));
      const task = new SyntheticTask({ seed: 11, dimension: 1000 });
      expect(bytesOf(await npy(join(out, 'initial.npy'))).equals(bytesOf(task.initialParameters()))).toBe(true);
      expect(bytesOf(await npy(join(out, 'optimum.npy'))).equals(bytesOf(task.optimum()))).toBe(true);
      for (let round = 0; round < 4; round++) {
        const theta = await npy(join(out, `theta-${round}.npy`));
        const expected = typescriptGradient(task, theta, round);
        const actual = await npy(join(out, `gradient-${round}.npy`));
        expect(bytesOf(actual).equals(bytesOf(expected)), `round ${round}`).toBe(true);
      }
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }, 120_000);

  it('fashion-mnist: trains beside TypeScript workers, every push accepted; θ₀ bit for bit, gradients to float32 rounding', async () => {
    const out = await mkdtemp(join(tmpdir(), 'byzps-conformance-'));
    try {
      const reports = await trainAlongside({ task: 'fashion-mnist', server: { hidden: 16, learningRate: 0.2 }, rounds: 6, save: 3 }, out);
      expect(reports.every((report) => report.accepted === true)).toBe(true);
      const task = createTask({ task: 'fashion-mnist', seed: 11, hidden: 16 });
      expect(bytesOf(await npy(join(out, 'initial.npy'))).equals(bytesOf(task.initialParameters()))).toBe(true);
      for (let round = 0; round < 3; round++) {
        const theta = await npy(join(out, `theta-${round}.npy`));
        const expected = typescriptGradient(task, theta, round);
        const actual = await npy(join(out, `gradient-${round}.npy`));
        const scale = expected.reduce((max, value) => Math.max(max, Math.abs(value)), 0);
        let worst = 0;
        let equal = 0;
        expected.forEach((value, j) => {
          worst = Math.max(worst, Math.abs(actual[j]! - value));
          if (actual[j] === value) equal++;
        });
        // Only the order of float64 sums inside one example differs (numpy's matrix products): a float32 ulp here and there.
        console.log(`fashion-mnist round ${round}: largest difference ${(worst / scale).toExponential(2)} of the largest coordinate, ${(100 * equal / expected.length).toFixed(2)} % equal bit for bit`);
        expect(worst / scale, `round ${round}: largest difference ${worst} of ${scale}`).toBeLessThan(1e-6);
        expect(equal / expected.length, `round ${round}: coordinates equal bit for bit`).toBeGreaterThan(0.99);
      }
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }, 180_000);
});
