import { status } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { type CliChild, runCliAsync, spawnServer, spawnWorker } from './cli-spawn.js';
import { chunksOf, ScriptedWorker } from './server-harness.js';
import { freePort } from '../runtime/free-port.js';

/**
 * A sharded parameter server as real processes on real sockets: S `byzps ps` shards, honest and
 * sign-flip `byzps worker`s. The same workers on the same data train an unsharded server too, and
 * θ assembled from the shards must equal its θ: every round waits for all workers (--quorum), so
 * both runs aggregate the same gradients.
 */

const D = 10_000;
/** The shards' calls to each other present it, and `byzps status` does. */
const ADMIN_TOKEN = 'shard-admin-5e1d';
const ROUNDS = 15;
const HONEST = 4;
const BYZANTINE = 1;
const WORKERS = HONEST + BYZANTINE;

const children: CliChild[] = [];
afterEach(async () => {
  await Promise.all(children.splice(0).map((child) => child.stop()));
});

function serverArgs(rule: string): string[] {
  return ['--task', 'synthetic', '--dimension', String(D), '--rule', rule, '--f', String(BYZANTINE), '--quorum', String(WORKERS), '--round-deadline-ms', '60000', '--learning-rate', '0.05', '--log-level', 'info', '--admin-token', ADMIN_TOKEN];
}

/** Starts S shards (S = 1: an unsharded server); returns every shard's address, shard 0 first. */
async function startShards(rule: string, shards: number): Promise<{ addresses: string[]; runs: CliChild[]; httpPorts: number[] }> {
  if (shards === 1) {
    const { run, grpcPort, httpPort } = await spawnServer([...serverArgs(rule), '--grpc-port', '0']);
    children.push(run);
    return { addresses: [`127.0.0.1:${grpcPort}`], runs: [run], httpPorts: [httpPort] };
  }
  const ports = await Promise.all(Array.from({ length: shards }, () => freePort()));
  const peers = ports.map((port) => `127.0.0.1:${port}`);
  const started = await Promise.all(
    ports.map((port, index) => spawnServer([...serverArgs(rule), '--grpc-port', String(port), '--shards', String(shards), '--shard-index', String(index), '--shard-peers', peers.join(',')])),
  );
  for (const { run } of started) children.push(run);
  return { addresses: peers, runs: started.map(({ run }) => run), httpPorts: started.map(({ httpPort }) => httpPort) };
}

/** Runs the workers for ROUNDS pushes each and waits for them to stop; returns an honest worker's losses by round. */
async function train(address: string): Promise<number[]> {
  // One after the other, each once it has joined, so worker ids (the order of the rows a rule sees) are the same in every run.
  const workers: Awaited<ReturnType<typeof spawnWorker>>[] = [];
  for (let i = 0; i < WORKERS; i++) {
    const worker = await spawnWorker(address, `w${i}`, ['--shard', String(i), '--workers', String(WORKERS), '--max-steps', String(ROUNDS), '--log-level', 'debug', ...(i >= HONEST ? ['--attack', 'sign-flip'] : [])]);
    children.push(worker.run);
    workers.push(worker);
    await worker.run.line((line) => line.includes('"joined the parameter server"'), `w${i} joins`);
  }
  const codes = await Promise.all(workers.map(({ run }) => run.exited));
  expect(codes).toEqual(Array.from({ length: WORKERS }, () => 0));
  return workers[0]!.run.stdoutLines.filter((line) => line.includes('"step done"')).map((line) => (JSON.parse(line) as { loss: number }).loss);
}

/** θ of round `round`, assembled from every shard's range. */
async function thetaOf(addresses: readonly string[], round: number): Promise<Float32Array> {
  const theta = new Float32Array(D);
  const parts = await Promise.all(
    addresses.map(async (address) => {
      const observer = new ScriptedWorker(address, undefined);
      try {
        return await observer.observe(round);
      } finally {
        observer.client.close();
      }
    }),
  );
  // Each shard streams its range at its place in θ, zeros elsewhere; the ranges tile [0, D).
  for (const part of parts) {
    expect(part.round).toBe(round);
    for (let i = 0; i < D; i++) if (part.theta[i] !== 0) theta[i] = part.theta[i]!;
  }
  return theta;
}

/** The "round closed" log lines of a shard: round and how many gradients it aggregated. */
function closedRounds(run: CliChild): { round: number; gradients: number }[] {
  return run.stdoutLines.filter((line) => line.includes('"round closed"')).map((line) => {
    const parsed = JSON.parse(line) as { round: number; gradients: number };
    return { round: parsed.round, gradients: parsed.gradients };
  });
}

function relativeDifference(a: Float32Array, b: Float32Array): number {
  let difference = 0;
  let norm = 0;
  for (let i = 0; i < a.length; i++) {
    difference += (a[i]! - b[i]!) ** 2;
    norm += b[i]! ** 2;
  }
  return Math.sqrt(difference / norm);
}

describe('a sharded parameter server of real processes', () => {
  for (const { rule, shards, tolerance } of [
    { rule: 'median', shards: 2, tolerance: 0 },
    { rule: 'flag', shards: 3, tolerance: 1e-6 },
  ]) {
    it(`trains with ${rule} on ${shards} shards under a sign-flip attack to the unsharded server's θ (relative difference ≤ ${tolerance})`, async () => {
      const sharded = await startShards(rule, shards);
      const shardedLosses = await train(sharded.addresses[0]!);
      const shardedTheta = await thetaOf(sharded.addresses, ROUNDS);
      // Every shard closed the same rounds with the same number of workers, all of them.
      const closed = sharded.runs.map(closedRounds);
      expect(closed[0]).toEqual(Array.from({ length: ROUNDS }, (_, round) => ({ round, gradients: WORKERS })));
      for (const other of closed.slice(1)) expect(other).toEqual(closed[0]);
      // The coordinator times every exchange with the other shards: one apply per round, and for flag a summarize (the Gram matrices) before it.
      const exchanges = (text: string, task: string) => Number(new RegExp(`^byzps_shard_exchange_seconds_count\\{.*task="${task}".*\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
      const coordinatorMetrics = await (await fetch(`http://127.0.0.1:${sharded.httpPorts[0]!}/metrics`)).text();
      expect(exchanges(coordinatorMetrics, 'summarize')).toBe(rule === 'flag' ? ROUNDS : 0);
      expect(exchanges(coordinatorMetrics, 'apply')).toBe(ROUNDS);
      const memberMetrics = await (await fetch(`http://127.0.0.1:${sharded.httpPorts[1]!}/metrics`)).text();
      expect(memberMetrics).not.toMatch(/^byzps_shard_exchange_seconds_count/m);
      await Promise.all(children.splice(0).map((child) => child.stop()));

      const whole = await startShards(rule, 1);
      const wholeLosses = await train(whole.addresses[0]!);
      const wholeTheta = await thetaOf(whole.addresses, ROUNDS);

      expect(shardedLosses).toHaveLength(ROUNDS);
      expect(shardedLosses.at(-1)!).toBeLessThan(shardedLosses[0]! * 0.9);
      const difference = relativeDifference(shardedTheta, wholeTheta);
      console.log(`${rule}, ${shards} shards: loss ${shardedLosses[0]!.toFixed(4)} → ${shardedLosses.at(-1)!.toFixed(4)} (unsharded ${wholeLosses[0]!.toFixed(4)} → ${wholeLosses.at(-1)!.toFixed(4)}), θ relative difference ${difference}`);
      if (tolerance === 0) expect(Buffer.from(shardedTheta.buffer).equals(Buffer.from(wholeTheta.buffer))).toBe(true);
      else expect(difference).toBeLessThanOrEqual(tolerance);
    }, 180_000);
  }

  it('refuses a push of coordinates another shard owns with OUT_OF_RANGE naming the owned range; status shows the shards', async () => {
    const { addresses, httpPorts } = await startShards('mean', 2);
    const shown = await runCliAsync(['status', '--server', addresses[1]!], { BYZPS_ADMIN_TOKEN: ADMIN_TOKEN });
    expect(shown.stderr).toBe('');
    expect(shown.stdout).toContain('shards    2, this is shard 1; shard 0 coordinates');
    expect(shown.stdout).toContain(`shard 0 (coordinator)  ${addresses[0]!}  coordinates [0, 4096)`);
    expect(shown.stdout).toContain(`shard 1  ${addresses[1]!}  coordinates [4096, 10000)`);
    const worker = new ScriptedWorker(addresses[1]!, undefined);
    try {
      const joined = await worker.join('stray');
      const outcome = await worker.pushChunks(chunksOf(joined.workerId, 0, new Float32Array(100), 100));
      expect(outcome).toMatchObject({ ok: false, code: status.OUT_OF_RANGE });
      expect(!outcome.ok && outcome.details).toContain('shard 1 owns [4096, 10000)');
      // Every series of a shard carries its index.
      const metrics = await (await fetch(`http://127.0.0.1:${httpPorts[1]!}/metrics`)).text();
      expect(metrics).toMatch(/^byzps_gradients_rejected_total\{.*reason="not_this_shard".*shard="1".*\} 1$/m);
      expect(metrics).toMatch(/^byzps_round\{shard="1"\} 0$/m);
    } finally {
      worker.client.close();
    }
  }, 60_000);
});
