import { readFile } from 'node:fs/promises';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { spawnNode, spawnServer, type CliChild } from './cli-spawn.js';
import { eventually, metricValue, scrape, WORKER_TOKEN } from './server-harness.js';

/*
 * Sustained load on a `byzps ps` process: many workers (real gRPC clients, each with its own
 * channel and training loop) hosted in one child process, pushing synthetic gradients round after
 * round. Rounds close only when every worker has pushed (the deadline is out of reach), so any
 * refused push is a bug, not a straggler.
 */

const HOST_SCRIPT = new URL('./load-workers.ts', import.meta.url).pathname;
const env = { BYZPS_WORKER_TOKEN: WORKER_TOKEN, LOG_LEVEL: 'info' };
/** Rounds closed before measuring starts: every worker has joined and the server's buffers exist. */
const WARM_UP_ROUNDS = 3;
/** Rounds the measured run must close at least, within ROUND_LIMIT_MS: rounds keep closing. */
const MIN_ROUNDS = 8;
const ROUND_LIMIT_MS = 150_000;
/** The server's resident memory may grow this much from the first half of the run to the second. */
const RSS_GROWTH_TOLERANCE = 0.1;

interface LoadSize {
  readonly workers: number;
  readonly dimension: number;
  readonly seconds: number;
  /** The workers' first wait before pulling again while a round is open (it grows to 20×): each pull moves all of θ. */
}

interface LoadFigures {
  readonly size: LoadSize;
  readonly rounds: number;
  readonly seconds: number;
  readonly pulls: number;
  readonly roundMs: readonly number[];
  readonly rssMiB: readonly number[];
  readonly rejected: number;
  readonly pushFailures: number;
  readonly serverLagMaxMs: number;
  readonly hostLagMaxMs: number;
}

const children: CliChild[] = [];
const figures: LoadFigures[] = [];

afterEach(async () => {
  await Promise.all(children.splice(0).map((child) => child.stop()));
});

afterAll(() => {
  if (figures.length > 0) console.log(`load (trimmed-mean, f = workers/8, synthetic task, one process hosting the workers)\n${table(figures)}`);
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function residentMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)![1]) / 1024;
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Times of the server's "round closed" log records, in its log order. */
function roundCloseTimes(run: CliChild): number[] {
  return run.stdoutLines.filter((line) => line.includes('"round closed"')).map((line) => (JSON.parse(line) as { time: number }).time);
}

async function sustain(size: LoadSize): Promise<LoadFigures> {
  const { workers, dimension, seconds } = size;
  const server = await spawnServer(
    ['--grpc-port', '0', '--dimension', String(dimension), '--max-workers', String(workers), '--rule', 'trimmed-mean', '--f', String(workers / 8), '--round-deadline-ms', '600000', '--learning-rate', '0.05'],
    env,
  );
  children.push(server.run);
  const host = spawnNode(['--import', 'tsx', HOST_SCRIPT, `127.0.0.1:${server.grpcPort}`, String(workers), 'load'], env);
  children.push(host);
  await host.line((line) => line.startsWith('{"started"'), `${workers} workers start`, 120_000);
  const metrics = () => scrape(server.httpPort);
  await eventually(async () => metricValue(await metrics(), 'byzps_rounds_total') >= WARM_UP_ROUNDS, `${WARM_UP_ROUNDS} rounds close`, 120_000, 200);

  const pullCount = (samples: Awaited<ReturnType<typeof metrics>>) => metricValue(samples, 'grpc_server_handled_total', { grpc_method: 'Pull' });
  const before = await metrics();
  const startRounds = metricValue(before, 'byzps_rounds_total');
  const startPulls = pullCount(before);
  const startMs = Date.now();
  const rssMiB: number[] = [];
  let serverLagMaxMs = 0;
  let samples = before;
  // At least `seconds` of RSS samples and MIN_ROUNDS rounds: a pace is reported, not required, but rounds must keep closing.
  while (Date.now() - startMs < seconds * 1000 || metricValue(samples, 'byzps_rounds_total') - startRounds < MIN_ROUNDS) {
    if (Date.now() - startMs > ROUND_LIMIT_MS) throw new Error(`only ${metricValue(samples, 'byzps_rounds_total') - startRounds} rounds closed in ${ROUND_LIMIT_MS / 1000} s`);
    await sleep(1000);
    rssMiB.push(await residentMiB(server.run.pid));
    samples = await metrics();
    // The event-loop delay gauges cover the time since the previous scrape.
    serverLagMaxMs = Math.max(serverLagMaxMs, metricValue(samples, 'nodejs_eventloop_lag_max_seconds') * 1000);
  }
  const endMs = Date.now();
  const rounds = metricValue(samples, 'byzps_rounds_total') - startRounds;
  const rejected = metricValue(samples, 'byzps_gradients_rejected_total');
  const pulls = pullCount(samples) - startPulls;

  process.kill(host.pid, 'SIGTERM');
  const final = JSON.parse(await host.line((line) => line.startsWith('{"steps"'), 'the workers report', 60_000)) as { steps: number; pushFailures: number; lagMaxMs: number };
  await host.exited;
  const closes = roundCloseTimes(server.run).filter((time) => time >= startMs && time <= endMs);
  expect(await server.run.stop()).toBe(0);
  return {
    size,
    rounds,
    seconds: (endMs - startMs) / 1000,
    pulls,
    roundMs: closes.slice(1).map((time, i) => time - closes[i]!),
    rssMiB,
    rejected,
    pushFailures: final.pushFailures,
    serverLagMaxMs,
    hostLagMaxMs: final.lagMaxMs,
  };
}

/** Long-poll pulls: one per worker and round, plus the few a round boundary cuts in two. */
function pullsPerWorkerRound(run: LoadFigures): number {
  return run.pulls / Math.max(1, run.rounds) / run.size.workers;
}

function expectSustained(run: LoadFigures): void {
  expect(run.rejected, 'pushes the server refused').toBe(0);
  expect(pullsPerWorkerRound(run), 'pulls per worker and round').toBeLessThanOrEqual(1.05);
  expect(run.pushFailures, 'pushes that failed at the workers').toBe(0);
  // The second half's median, not its maximum: one sample taken just before a collection is not
  // growth, while memory a round leaks (a d-length buffer per worker) lifts every later sample.
  const half = Math.floor(run.rssMiB.length / 2);
  const firstHalfMax = Math.max(...run.rssMiB.slice(0, half));
  const secondHalfMedian = percentile(run.rssMiB.slice(half), 50);
  expect(secondHalfMedian, `server RSS ${run.rssMiB.map((mib) => mib.toFixed(0)).join(' ')} MiB`).toBeLessThanOrEqual(firstHalfMax * (1 + RSS_GROWTH_TOLERANCE));
}


function table(runs: readonly LoadFigures[]): string {
  const header = ['workers', 'd', 'seconds', 'rounds', 'rounds/s', 'pulls per worker-round', 'round p50 ms', 'round p99 ms', 'push MB/s', 'RSS 1st half MiB', 'RSS 2nd half MiB', 'server lag max ms', 'host lag max ms', 'refused'];
  const rows = runs.map((run) => {
    const half = Math.floor(run.rssMiB.length / 2);
    const perSecond = run.rounds / run.seconds;
    return [
      run.size.workers,
      run.size.dimension,
      run.seconds.toFixed(0),
      run.rounds,
      perSecond.toFixed(2),
      pullsPerWorkerRound(run).toFixed(2),
      percentile(run.roundMs, 50).toFixed(0),
      percentile(run.roundMs, 99).toFixed(0),
      ((perSecond * run.size.workers * run.size.dimension * 4) / 1e6).toFixed(0),
      Math.max(...run.rssMiB.slice(0, half)).toFixed(0),
      Math.max(...run.rssMiB.slice(half)).toFixed(0),
      run.serverLagMaxMs.toFixed(0),
      run.hostLagMaxMs.toFixed(0),
      run.rejected + run.pushFailures,
    ].map(String);
  });
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  return [header, ...rows].map((row) => row.map((cell, column) => cell.padStart(widths[column]!)).join('  ')).join('\n');
}

describe('load: many workers pushing to one server process for a sustained run', () => {
  it('64 workers at d = 10⁵: rounds keep closing, no push is refused, the server’s memory stays flat', async () => {
    const run = await sustain({ workers: 64, dimension: 100_000, seconds: 20 });
    figures.push(run);
    expectSustained(run);
  }, 300_000);

  it('16 workers at d = 10⁶: rounds keep closing, no push is refused, the server’s memory stays flat', async () => {
    const run = await sustain({ workers: 16, dimension: 1_000_000, seconds: 20 });
    figures.push(run);
    expectSustained(run);
  }, 300_000);
});
