import { spawn, type ChildProcess } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { beforeEach, describe, expect, it } from 'vitest';
import { cleanupAfterEach } from './cleanup.js';
import { eventually, ScriptedWorker, startTestServer, WORKER_TOKEN } from './server-harness.js';

const SCRIPT = new URL('./server-process.ts', import.meta.url).pathname;

interface ServerProcess {
  readonly child: ChildProcess;
  readonly address: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const cleanup = cleanupAfterEach();
let directory: string;

beforeEach(async () => {
  directory = await cleanup.directory('byzps-restart-');
});

async function launch(): Promise<ServerProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', SCRIPT, '--grpc-host', '127.0.0.1', '--grpc-port', '0', '--http-host', '127.0.0.1', '--http-port', '0', '--dimension', '1000', '--momentum', '0.9', '--learning-rate', '0.1', '--checkpoint-dir', directory, '--checkpoint-every-rounds', '1'],
    { env: { ...process.env, BYZPS_WORKER_TOKEN: WORKER_TOKEN, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  cleanup.child(child);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      resolve({ code, signal });
    });
  });
  const lines = createInterface({ input: child.stdout });
  const first = await Promise.race([
    new Promise<string>((resolve) => lines.once('line', resolve)),
    exited.then(({ code }) => {
      throw new Error(`server process exited with ${code} before it listened`);
    }),
  ]);
  const { grpcPort } = JSON.parse(first) as { grpcPort: number };
  return { child, address: `127.0.0.1:${grpcPort}`, exited };
}

/** Drives `rounds` rounds with two workers; gradients differ per round so momentum matters. */
async function driveRounds(address: string, from: number, rounds: number): Promise<void> {
  const worker = new ScriptedWorker(address);
  try {
    const a = (await worker.join('a')).workerId;
    const b = (await worker.join('b')).workerId;
    for (let round = from; round < from + rounds; round++) {
      const gradient = Float32Array.from({ length: 1000 }, (_, j) => Math.cos(j + round));
      expect((await worker.push(a, round, gradient)).ok).toBe(true);
      expect((await worker.push(b, round, gradient.map((value) => value * 3))).ok).toBe(true);
      await eventually(async () => (await worker.pull(a)).round === round + 1, `round ${round} closes`);
    }
  } finally {
    worker.close();
  }
}

async function pullAs(address: string, name: string): Promise<{ workerId: number; round: number; theta: Float32Array }> {
  const worker = new ScriptedWorker(address);
  try {
    const { workerId } = await worker.join(name);
    return { workerId, ...(await worker.pull(workerId)) };
  } finally {
    worker.close();
  }
}

describe('parameter server restarts', () => {
  it('resumes bit for bit after SIGKILL from the newest checkpoint, workers keeping their ids', async () => {
    const first = await launch();
    await driveRounds(first.address, 0, 3);
    const before = await pullAs(first.address, 'b');
    // Periodic checkpoints are written after the round closes; wait until round 3's is on disk.
    await eventually(async () => (await readdir(directory)).includes('checkpoint-0000000003.bin'), 'the checkpoint of round 3 is written');
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');

    const second = await launch();
    const after = await pullAs(second.address, 'b');
    expect(after.round).toBe(3);
    expect(after.workerId).toBe(before.workerId);
    expect(Buffer.from(after.theta.buffer).equals(Buffer.from(before.theta.buffer))).toBe(true);

    // Momentum was restored too: one more round from here matches a run that never stopped.
    await driveRounds(second.address, 3, 1);
    const resumedRun = await pullAs(second.address, 'b');
    second.child.kill('SIGTERM');
    expect(await second.exited).toEqual({ code: 0, signal: null });
    const uninterrupted = cleanup.add(await startTestServer({ dimension: 1000, momentum: 0.9, learningRate: 0.1, logLevel: 'warn' }));
    await driveRounds(uninterrupted.address, 0, 4);
    const reference = await pullAs(uninterrupted.address, 'b');
    expect(resumedRun.round).toBe(4);
    expect(reference.round).toBe(4);
    expect(Buffer.from(resumedRun.theta.buffer).equals(Buffer.from(reference.theta.buffer))).toBe(true);
  });

  it('exits 0 on SIGTERM after writing a last checkpoint of the open round', async () => {
    const server = await launch();
    await driveRounds(server.address, 0, 1);
    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    const files = await readdir(directory);
    expect(files).toContain('checkpoint-0000000001.bin');
    const resumed = await launch();
    expect((await pullAs(resumed.address, 'a')).round).toBe(1);
  });
});
