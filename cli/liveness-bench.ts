/**
 * Liveness under protocol abuse, in one run: a `byzps ps` process and honest `byzps worker`
 * processes train (the rounds of `byzps start`), then three adversarial clients, in this process,
 * join — one pushes NaN, one pushes for the round that just closed, one only pulls — and leave
 * again. Prints rounds/s in each phase, the attacked phase against the mean of the honest phases
 * around it, pulls per worker and round, and what the server refused.
 * Usage: npm run bench:liveness [-- --seconds 20] [-- --task synthetic|fashion-mnist]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startAdversary, type AdversaryKind } from './adversaries.js';
import { metricValue, scrapeMetrics, type Sample } from './prometheus-text.js';
import { serverArgs, workerPlans } from './start/plan.js';
import { loadStartConfig } from './start/settings.js';
import { describeUnexpectedExit, Supervisor } from './start/supervisor.js';

/** The adversarial clients of the attacked phase. */
export const ADVERSARIES: readonly AdversaryKind[] = ['nan', 'stale', 'pull-only'];

export interface LivenessCase {
  readonly task: 'synthetic' | 'fashion-mnist';
  readonly honest: number;
  readonly rule: string;
  readonly f: number;
  /** Length of each measured phase, at least. */
  readonly seconds: number;
  /** Rounds each phase lasts, at least (0: just `seconds`). */
  readonly minRounds?: number;
  /** Attacked phases, each between two honest ones: drift in the machine's load averages out. */
  readonly cycles: number;
  /** The byzps entry point the processes run (dist/cli/main.js, or cli/main.ts under tsx). */
  readonly entry: string;
}

/** What one phase measured on the server's /metrics. */
export interface PhaseFigures {
  readonly phase: string;
  readonly rounds: number;
  readonly seconds: number;
  readonly roundsPerSecond: number;
  /** Worker pulls served per round and worker taking part (honest and adversarial). */
  readonly pullsPerWorkerRound: number;
  /** Rounds the deadline closed. */
  readonly deadlineCloses: number;
  /** The server process's CPU time per wall second (1 = one core busy). */
  readonly serverCpu: number;
  /** Refused pushes by reason. */
  readonly refused: Readonly<Record<string, number>>;
}

/** Rounds to close before the first phase, so start-up is not measured. */
const WARM_UP_ROUNDS = 20;
const SCRAPE_EVERY_MS = 200;


function refusedByReason(samples: readonly Sample[]): Record<string, number> {
  const refused: Record<string, number> = {};
  for (const sample of samples) if (sample.name === 'byzps_gradients_rejected_total') refused[sample.labels.reason!] = sample.value;
  return refused;
}

/** A phase's limit: rounds stalled for this long end the run with an error. */
const PHASE_LIMIT_MS = 300_000;

/** Measures one phase of at least `seconds` and `minRounds` rounds on the server's counters. */
async function phase(name: string, metricsUrl: string, seconds: number, minRounds: number, workers: number): Promise<PhaseFigures> {
  const before = await scrapeMetrics(metricsUrl);
  const start = performance.now();
  await sleep(seconds * 1000);
  const startRounds = metricValue(before, 'byzps_rounds_total');
  await until(async () => metricValue(await scrapeMetrics(metricsUrl), 'byzps_rounds_total') - startRounds >= minRounds, `${minRounds} rounds of the ${name} phase close`, PHASE_LIMIT_MS);
  const after = await scrapeMetrics(metricsUrl);
  const elapsed = (performance.now() - start) / 1000;
  const delta = (metric: string, labels: Record<string, string> = {}) => metricValue(after, metric, labels) - metricValue(before, metric, labels);
  const rounds = delta('byzps_rounds_total');
  const beforeRefused = refusedByReason(before);
  const refused = Object.fromEntries(Object.entries(refusedByReason(after)).map(([reason, count]) => [reason, count - (beforeRefused[reason] ?? 0)]));
  return {
    phase: name,
    rounds,
    seconds: elapsed,
    roundsPerSecond: rounds / elapsed,
    pullsPerWorkerRound: delta('byzps_pulls_total', { role: 'worker' }) / Math.max(1, rounds) / workers,
    deadlineCloses: delta('byzps_round_timeouts_total'),
    serverCpu: delta('process_cpu_seconds_total') / elapsed,
    refused,
  };
}

async function until(condition: () => boolean | Promise<boolean>, what: string, limitMs: number): Promise<void> {
  const start = Date.now();
  while (!(await condition())) {
    if (Date.now() - start > limitMs) throw new Error(`timed out waiting until ${what}`);
    await sleep(SCRAPE_EVERY_MS);
  }
}

/**
 * Runs honest and attacked phases in turn (honest, attacked, honest, …) on one server and its
 * workers; the adversaries join after the server's first round, as clients of a running cluster do,
 * and leave again, under the same names each time.
 */
export async function measureLiveness(bench: LivenessCase): Promise<PhaseFigures[]> {
  const directory = await mkdtemp(join(tmpdir(), 'byzps-liveness-'));
  let failure: string | undefined;
  const supervisor = new Supervisor(directory, { ...process.env, LOG_LEVEL: 'warn' }, (child, exit) => {
    failure ??= describeUnexpectedExit(child, exit);
  }, bench.entry);
  try {
    const config = loadStartConfig(['--task', bench.task, '--workers', String(bench.honest), '--byzantine', '0', '--rule', bench.rule, '--f', String(bench.f), '--rounds', '0'], {});
    // Room for the adversaries too: the server admits --max-workers clients.
    const workers = bench.honest + ADVERSARIES.length;
    const server = await supervisor.startServer([...serverArgs(config, join(directory, 'checkpoints')), '--max-workers', String(workers)]);
    await supervisor.startWorkers(workerPlans(config, server.grpcAddress), server.metricsUrl);
    const rounds = async () => metricValue(await scrapeMetrics(server.metricsUrl), 'byzps_rounds_total');
    await until(async () => (await rounds()) >= WARM_UP_ROUNDS, `${WARM_UP_ROUNDS} rounds close`, 120_000);
    const measure = (name: string, workers: number) => phase(name, server.metricsUrl, bench.seconds, bench.minRounds ?? 0, workers);
    const figures = [await measure('honest', bench.honest)];
    for (let cycle = 0; cycle < bench.cycles; cycle++) {
      const adversaries = ADVERSARIES.map((kind) => startAdversary(kind, server.grpcAddress, `adversary-${kind}`));
      try {
        await until(() => adversaries.every((adversary) => adversary.counts.pulls > 0), 'the adversaries join and pull', 60_000);
        figures.push(await measure('with 3 adversaries', workers));
      } finally {
        await Promise.all(adversaries.map((adversary) => adversary.stop()));
      }
      figures.push(await measure('honest', bench.honest));
    }
    if (failure !== undefined) throw new Error(failure);
    return figures;
  } finally {
    await supervisor.stop();
    await rm(directory, { recursive: true, force: true });
  }
}

/**
 * Each attacked phase's rounds/s over the mean of the honest phases on either side of it, the
 * median over the cycles: a change in the machine's load during one phase moves one ratio only.
 */
export function attackedRatio(figures: readonly PhaseFigures[]): number {
  const ratios: number[] = [];
  for (let i = 1; i + 1 < figures.length; i += 2) {
    ratios.push(figures[i]!.roundsPerSecond / ((figures[i - 1]!.roundsPerSecond + figures[i + 1]!.roundsPerSecond) / 2));
  }
  ratios.sort((a, b) => a - b);
  const middle = Math.floor(ratios.length / 2);
  return ratios.length % 2 === 1 ? ratios[middle]! : (ratios[middle - 1]! + ratios[middle]!) / 2;
}

export function table(task: string, figures: readonly PhaseFigures[]): string {
  const header = ['task', 'phase', 'rounds', 'seconds', 'rounds/s', 'pulls per worker-round', 'deadline closes', 'server CPU', 'refused pushes'];
  const rows = figures.map((f) => [
    task,
    f.phase,
    String(f.rounds),
    f.seconds.toFixed(1),
    f.roundsPerSecond.toFixed(2),
    f.pullsPerWorkerRound.toFixed(3),
    String(f.deadlineCloses),
    `${(100 * f.serverCpu).toFixed(0)} %`,
    Object.entries(f.refused).filter(([, count]) => count > 0).map(([reason, count]) => `${reason} ${count}`).join(', ') || 'none',
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  return [header, ...rows].map((row) => row.map((cell, column) => (column < 2 || column === 8 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ')).join('\n');
}

async function main(argv: readonly string[]): Promise<void> {
  const option = (flag: string) => {
    const at = argv.indexOf(flag);
    return at === -1 ? undefined : argv[at + 1];
  };
  const seconds = Number(option('--seconds') ?? 20);
  const tasks = option('--task') === undefined ? (['synthetic', 'fashion-mnist'] as const) : ([option('--task')] as ['synthetic' | 'fashion-mnist']);
  const entry = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? './main.ts' : './main.js', import.meta.url));
  for (const task of tasks) {
    const figures = await measureLiveness({ task, honest: 7, rule: 'flag', f: 3, seconds, cycles: 3, entry });
    process.stdout.write(`${table(task, figures)}\n${task}: attacked rounds/s ${(100 * attackedRatio(figures)).toFixed(1)} % of honest (median over the attacked phases of each against the honest phases around it)\n\n`);
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) await main(process.argv.slice(2));
