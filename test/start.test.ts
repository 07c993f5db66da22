import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { metricValue, scrapeMetrics } from '../cli/prometheus-text.js';
import { runCliAsync, spawnCli, type CliChild } from './cli-spawn.js';
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

  it('runs a sharded cluster with --shards 2 whose evaluation loss falls, and leaves checkpoints that export whole', async () => {
    const run = spawnCli(['start', '--workers', '4', '--byzantine', '1', '--rounds', '40', '--eval-every-rounds', '10', '--dimension', '12000', '--shards', '2'], { TMPDIR: directory });
    pids = (await started(run)).pids;
    expect(await run.exited).toBe(0);
    expect(pids.filter(alive)).toEqual([]);
    expect(run.stderr()).toBe('');
    const output = run.stdoutLines.join('\n');
    expect(output).toMatch(/^ {2}shard-0 +pid \d+ +http:/m);
    expect(output).toMatch(/^ {2}shard-1 +pid \d+ +http:/m);
    // The first evaluation the progress saw, and the last.
    const evaluation = /^ {2}evaluation +loss ([\d.]+) \(round (\d+)\) → loss ([\d.]+) \(round (\d+)\)$/m.exec(output);
    expect(evaluation, output).not.toBeNull();
    expect(Number(evaluation![3])).toBeLessThan(Number(evaluation![1]));
    // test/sharded-start.test.ts compares θ with an unsharded run's; here, what the summary points to exports.
    const checkpoints = /^ {2}checkpoint +(\S+) \(a directory per shard; byzps checkpoint export/m.exec(output)?.[1];
    expect(checkpoints, output).toBeDefined();
    const exported = await runCliAsync(['checkpoint', 'export', checkpoints!, '--output', join(directory, 'theta.npy')]);
    expect(exported.stdout, exported.stderr).toMatch(/^wrote θ of round \d+ \(synthetic, d = 12000, from 2 shards\)/);
  }, 240_000);
});
