import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { metricValue, scrapeMetrics } from '../cli/prometheus-text.js';
import { spawnCli, type CliChild } from './cli-spawn.js';
import { eventually } from './server-harness.js';

/** A small run: 4 worker processes of which 1 Byzantine, no round limit, an evaluation every 2 rounds. */
const SMALL_RUN = ['start', '--workers', '4', '--byzantine', '1', '--rounds', '0', '--eval-every-rounds', '2'];
/** Eleven Node processes start on a machine that may be busy with other tests. */
const START_LIMIT_MS = 120_000;

/** A process that has ended: gone from /proc, or a zombie waiting for its new parent to reap it. */
function alive(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z') === false;
  } catch {
    return false;
  }
}

/** The process ids byzps start prints for the server and every worker. */
function childPids(run: CliChild): number[] {
  return run.stdoutLines.flatMap((line) => /^ {2}\S+ +pid (\d+) +http:/.exec(line)?.[1] ?? []).map(Number);
}

async function started(run: CliChild): Promise<{ pids: number[]; serverMetrics: string }> {
  await run.line((line) => line === 'Ctrl-C stops the run.', 'byzps start has started every process', START_LIMIT_MS);
  // A sharded run's rounds are shard 0's.
  const server = run.stdoutLines.find((line) => line.startsWith('  server ') || line.startsWith('  shard-0 '));
  return { pids: childPids(run), serverMetrics: /(http:\/\/127\.0\.0\.1:\d+\/metrics)$/.exec(server ?? '')![1]! };
}

/** A plain progress line for a round ≥ `round` that has an evaluation. */
function progressLine(round: number): (line: string) => boolean {
  return (line) => {
    const match = /^round (\d+) +[\d.]+ rounds\/s +eval loss [\d.e+-]+ \(round \d+\) +\d+ workers +rejected pushes: .+ +down-weighted by \w+: /.exec(line);
    return match !== null && Number(match[1]) >= round;
  };
}

describe('byzps start (a real server and worker processes)', () => {
  let directory: string;
  let pids: number[] = [];

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'byzps-start-test-'));
  });

  afterEach(() => {
    // Whatever a failed assertion left running goes now, so no test leaves processes behind.
    for (const pid of pids.filter(alive)) process.kill(pid, 'SIGKILL');
    pids = [];
    rmSync(directory, { recursive: true, force: true });
  });

  it('trains with live progress and /metrics, and on SIGINT stops every process, prints a summary and leaves a checkpoint', async () => {
    const run = spawnCli(SMALL_RUN, { TMPDIR: directory });
    const start = await started(run);
    pids = start.pids;
    expect(pids).toHaveLength(5);
    expect(pids.every(alive)).toBe(true);
    expect(run.stdoutLines.filter((line) => line.startsWith('  byzantine-1* '))).toHaveLength(1);

    await run.line(progressLine(4), 'progress shows round 4 with an evaluation', START_LIMIT_MS);
    expect(metricValue(await scrapeMetrics(start.serverMetrics), 'byzps_rounds_total')).toBeGreaterThan(0);

    process.kill(run.pid, 'SIGINT');
    expect(await run.exited).toBe(0);
    expect(pids.filter(alive)).toEqual([]);
    const output = run.stdoutLines.join('\n');
    expect(output).toMatch(/^summary$/m);
    expect(Number(/^ {2}rounds +(\d+) \(round 0 → \d+\)$/m.exec(output)?.[1])).toBeGreaterThanOrEqual(4);
    expect(output).toMatch(/^ {2}byzantine-1\* +\S+ +\d+% of samples$/m);
    const checkpoint = /^ {2}checkpoint +(\S+)$/m.exec(output)?.[1];
    expect(checkpoint?.startsWith(directory)).toBe(true);
    expect(existsSync(checkpoint!)).toBe(true);
    expect(run.stderr()).toBe('');
  }, 240_000);

  it('leaves no process behind when it is killed with SIGKILL: the server and workers notice and exit by themselves', async () => {
    const run = spawnCli(SMALL_RUN, { TMPDIR: directory });
    pids = (await started(run)).pids;
    await run.line(progressLine(1), 'the workers train', START_LIMIT_MS);

    process.kill(run.pid, 'SIGKILL');
    expect(await run.exited).toBe('SIGKILL');
    await eventually(() => pids.every((pid) => !alive(pid)), 'every child of the killed process has exited', 30_000, 100);
  }, 240_000);

  it('runs a sharded cluster with --shards 2 whose evaluation loss falls as the unsharded run\'s does', async () => {
    const rounds = ['start', '--workers', '4', '--byzantine', '1', '--rounds', '40', '--eval-every-rounds', '10', '--dimension', '12000'];
    const finalLoss = async (args: string[]) => {
      const run = spawnCli(args, { TMPDIR: directory });
      const start = await started(run);
      pids = start.pids;
      expect(await run.exited).toBe(0);
      expect(pids.filter(alive)).toEqual([]);
      expect(run.stderr()).toBe('');
      const output = run.stdoutLines.join('\n');
      // The first evaluation the progress saw, and the last.
      const evaluation = /^ {2}evaluation +loss ([\d.]+) \(round (\d+)\) → loss ([\d.]+) \(round (\d+)\)$/m.exec(output);
      expect(evaluation, output).not.toBeNull();
      // Round 40's evaluation, from the log of the server (shard 0 of a sharded run), whatever round each run stopped at.
      const runDirectory = /^run directory (\S+) \(/m.exec(output)![1]!;
      const log = readFileSync(join(runDirectory, 'logs', args.includes('--shards') ? 'shard-0.log' : 'server.log'), 'utf8');
      const at40 = log.split('\n').find((line) => line.includes('"evaluated θ on held-out data"') && line.includes('"round":40,'));
      expect(at40, log).toBeDefined();
      return { output, first: Number(evaluation![1]), last: Number(evaluation![3]), at40: (JSON.parse(at40!) as { loss: number }).loss };
    };
    const sharded = await finalLoss([...rounds, '--shards', '2']);
    expect(sharded.output).toMatch(/^ {2}shard-0 +pid \d+ +http:/m);
    expect(sharded.output).toMatch(/^ {2}shard-1 +pid \d+ +http:/m);
    expect(sharded.last).toBeLessThan(sharded.first);
    const whole = await finalLoss(rounds);
    console.log(`byzps start: evaluation loss at round 40 ${sharded.at40} with 2 shards, ${whole.at40} unsharded`);
    expect(whole.last).toBeLessThan(whole.first);
    // Not the same θ: which workers make the first rounds depends on when each process joined, in
    // either run (seen: 2–3 % apart at round 40, either way); test/sharded-cluster.test.ts checks θ exactly.
    expect(Math.abs(sharded.at40 - whole.at40)).toBeLessThanOrEqual(0.1 * whole.at40);
  }, 240_000);
});
