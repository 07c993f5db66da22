import { setTimeout as sleep } from 'node:timers/promises';
import { relative } from 'node:path';
import { ruleInfluence } from '../../aggregators/index.js';
import { CheckpointStore } from '../../services/checkpoint.js';
import { loadServerConfig } from '../../services/index.js';
import { loadWorkerConfig } from '../../worker/config.js';
import type { Command } from '../command.js';
import { exitCodes, InputError } from '../failure.js';
import { writeStdout } from '../output.js';
import { scrapeMetrics } from '../prometheus-text.js';
import { PlainDisplay, TerminalDisplay, type ProgressDisplay, type RunShape } from './display.js';
import { LOOPBACK, serverArgs, workerPlans, type WorkerPlan } from './plan.js';
import { InfluenceHistory, readProgress, RoundRate, type Progress, type ProgressReading } from './progress.js';
import { createRunDirectory, newTokens, type RunDirectory } from './run-directory.js';
import { attackParams, loadStartConfig, ruleBound, startConfigHelp, type StartConfig } from './settings.js';
import { formatSummary } from './summary.js';
import { describeUnexpectedExit, Supervisor } from './supervisor.js';
import { freePort } from '../../runtime/free-port.js';

/** How often the server's /metrics is read; plain output prints a line every PLAIN_LINE_EVERY_MS. */
const POLL_EVERY_MS = 500;
const PLAIN_LINE_EVERY_MS = 3000;
const RATE_WINDOW_MS = 5000;
const HEALTH_LIMIT_MS = 60_000;

function help(): string {
  return `Usage: byzps start [--setting value …]

Runs a whole training cluster on this machine: a parameter server (byzps ps) and --workers worker
processes (byzps worker), --byzantine of them running --attack, until --rounds rounds have closed
or Ctrl-C. It shows the round, rounds per second, the evaluation loss (and accuracy), refused pushes
and the workers the rule is down-weighting, then a summary. Every process listens on 127.0.0.1 and
serves /metrics; their addresses, process ids and a new run directory (checkpoints, one log per
process, the control service's token) are printed first. Ctrl-C stops the workers, then the server,
which writes its last checkpoint.

Every setting is a flag and an environment variable (flags win), with its default:
${startConfigHelp()}
`;
}

/** The children get what byzps start decides, not BYZPS_* settings meant for byzps start itself. */
function childEnvironment(env: NodeJS.ProcessEnv, tokens: { admin: string; worker: string }): Record<string, string> {
  const kept = Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && !entry[0].startsWith('BYZPS_') && entry[0] !== 'LOG_LEVEL');
  return { ...Object.fromEntries(kept), LOG_LEVEL: 'info', BYZPS_ADMIN_TOKEN: tokens.admin, BYZPS_WORKER_TOKEN: tokens.worker };
}

/** Checks the command lines the children will get, so a bad attack or rule parameter is a usage error before anything starts. */
function checkChildSettings(config: StartConfig, plans: readonly WorkerPlan[]): void {
  // The children get fresh tokens through their environment (childEnvironment); any stand in for them here.
  const env = childEnvironment({}, { admin: 'admin', worker: 'worker' });
  loadServerConfig(serverArgs(config, 'unused').slice(1), env);
  if (config.shards > 1) loadServerConfig(serverArgs(config, 'unused', { index: 0, ports: Array.from({ length: config.shards }, (_, i) => 50051 + i) }).slice(1), env);
  for (const plan of plans) loadWorkerConfig(plan.args.slice(1), env);
}

async function waitForHealth(metricsUrl: string, supervisor: Supervisor): Promise<void> {
  const url = new URL('/healthz', metricsUrl);
  const deadline = Date.now() + HEALTH_LIMIT_MS;
  while (supervisor.serverRunning()) {
    const healthy = await fetch(url).then((response) => response.ok, () => false);
    if (healthy) return;
    if (Date.now() > deadline) throw new InputError(`the server did not report healthy at ${url.href} within ${HEALTH_LIMIT_MS / 1000} s`);
    await sleep(200);
  }
  throw new InputError('the server exited before it was healthy');
}

/** The gRPC ports of the shards: --grpc-port and the ones after it, or free ones. */
async function shardPorts(config: StartConfig): Promise<number[]> {
  if (config.grpcPort !== 0) return Array.from({ length: config.shards }, (_, i) => config.grpcPort + i);
  const ports: number[] = [];
  while (ports.length < config.shards) {
    const port = await freePort(LOOPBACK);
    if (!ports.includes(port)) ports.push(port);
  }
  return ports;
}


/** This command's entry point as it was started, relative to the working directory when inside it, so the printed command runs as shown. */
function thisEntryPoint(): string {
  const entry = process.argv[1]!;
  const relativePath = relative(process.cwd(), entry);
  return relativePath.startsWith('..') ? entry : relativePath;
}

/** The lines printed before the progress: what runs, where each process serves /metrics, where the files go. */
function header(config: StartConfig, directory: RunDirectory, grpcAddress: string, started: readonly { name: string; pid: number; metricsUrl: string; byzantine: boolean }[]): string {
  const params = Object.entries(attackParams(config)).map(([key, value]) => ` ${key}=${value}`);
  const attack = config.byzantine === 0 ? '' : ` (${config.byzantine} Byzantine: ${config.attack}${params.join('')})`;
  const rounds = config.rounds === 0 ? 'until Ctrl-C' : `${config.rounds} rounds`;
  const width = Math.max(...started.map((process) => process.name.length)) + 1;
  const processes = started.map((process) => `  ${`${process.name}${process.byzantine ? '*' : ''}`.padEnd(width)}  pid ${String(process.pid).padEnd(7)}  ${process.metricsUrl}`);
  return [
    `byzps start: ${config.task}, ${config.workers} workers${attack}, rule ${config.rule} (f=${ruleBound(config)}), ${rounds}${config.shards > 1 ? `, ${config.shards} shards (shard 0 coordinates and evaluates)` : ''}`,
    `server gRPC on ${grpcAddress}; processes and their /metrics (* Byzantine):`,
    ...processes,
    `run directory ${directory.path} (checkpoints in ${directory.checkpointDir}, logs in ${directory.logDir})`,
    `control service: BYZPS_ADMIN_TOKEN=$(cat ${directory.adminTokenFile}) node ${thisEntryPoint()} status --server ${grpcAddress}`,
    'Ctrl-C stops the run.',
    '',
  ].join('\n');
}

/** Why following the run ended. */
type RunEnd = 'target reached' | 'stop requested' | 'server exited' | 'workers exited';

/** Shows progress until the run ends: the target round, a stop request, the server's death, or every worker's. */
async function follow(
  metricsUrl: string,
  supervisor: Supervisor,
  display: ProgressDisplay,
  targetRound: number,
  stopRequested: () => boolean,
  onProgress: (progress: Progress) => void,
  reading: ProgressReading,
): Promise<RunEnd> {
  const rate = new RoundRate(RATE_WINDOW_MS);
  for (;;) {
    if (stopRequested()) return 'stop requested';
    if (!supervisor.serverRunning()) return 'server exited';
    if (supervisor.runningWorkers() === 0) return 'workers exited';
    const samples = await scrapeMetrics(metricsUrl).catch(() => undefined);
    if (samples !== undefined) {
      const progress = readProgress(samples, reading);
      rate.add(Date.now(), progress.round);
      onProgress(progress);
      display.update(progress, rate.perSecond());
      if (targetRound > 0 && progress.round >= targetRound) return 'target reached';
    }
    await sleep(POLL_EVERY_MS);
  }
}

async function run(config: StartConfig): Promise<number> {
  const tokens = newTokens();
  const directory = await createRunDirectory(config.checkpointDir, tokens);
  const reading: ProgressReading = { classifies: config.task === 'fashion-mnist', influence: ruleInfluence(config.rule) };
  let display: ProgressDisplay | undefined;
  const pendingNotes: string[] = [];
  const supervisor = new Supervisor(directory.logDir, childEnvironment(process.env, tokens), (child, exit) => {
    const line = `byzps start: ${describeUnexpectedExit(child, exit)}`;
    if (display === undefined) pendingNotes.push(line);
    else display.note(line);
  });
  let stops = 0;
  const onSignal = () => {
    stops += 1;
    // A second Ctrl-C does not wait for anyone.
    if (stops > 1) supervisor.kill();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const ports = config.shards > 1 ? await shardPorts(config) : [];
    const starting = config.shards > 1 ? supervisor.startShards(ports.map((_, index) => serverArgs(config, directory.checkpointDir, { index, ports }))) : supervisor.startServer(serverArgs(config, directory.checkpointDir)).then((one) => [one]);
    const servers = await starting.catch((error: unknown) => {
      throw new InputError(`the server did not start: ${(error as Error).message}`);
    });
    // Shard 0 coordinates: workers join it, and its /metrics shows the rounds.
    const server = servers[0]!;
    await waitForHealth(server.metricsUrl, supervisor);
    const startRound = readProgress(await scrapeMetrics(server.metricsUrl), reading).round;
    if (stops > 0) {
      await writeStdout('byzps start: stopped before the workers started\n');
      return exitCodes.ok;
    }
    const workers = await supervisor.startWorkers(workerPlans(config, server.grpcAddress), server.metricsUrl).catch((error: unknown) => {
      throw new InputError(`a worker did not start: ${(error as Error).message}`);
    });
    const started = [...servers.map((shard) => ({ name: shard.child.name, pid: shard.child.pid, metricsUrl: shard.metricsUrl, byzantine: false })), ...workers.map((worker) => ({ name: worker.child.name, pid: worker.child.pid, metricsUrl: worker.metricsUrl, byzantine: worker.byzantine }))];
    await writeStdout(header(config, directory, server.grpcAddress, started));
    // Wall time counts training, not the seconds the processes take to start.
    const startedAt = Date.now();
    const shape: RunShape = { targetRound: config.rounds === 0 ? 0 : startRound + config.rounds, byzantine: new Set(workers.filter((worker) => worker.byzantine).map((worker) => worker.child.name)) };
    display = process.stdout.isTTY ? new TerminalDisplay(shape, process.stdout) : new PlainDisplay(shape, process.stdout, PLAIN_LINE_EVERY_MS);
    for (const note of pendingNotes.splice(0)) display.note(note);
    const influence = new InfluenceHistory();
    let firstEvaluation: Progress['evaluation'];
    let last: Progress | undefined;
    const record = (progress: Progress) => {
      influence.add(progress.influence);
      firstEvaluation ??= progress.evaluation;
      last = progress;
    };
    const end = await follow(server.metricsUrl, supervisor, display, shape.targetRound, () => stops > 0, record, reading);
    if (end === 'server exited' || end === 'workers exited') throw new InputError(`the ${end === 'server exited' ? 'server' : 'last worker'} exited unexpectedly; the run is over`);
    // Read before stopping: pushes cut off by the workers' own shutdown are not refusals worth reporting.
    const final = await scrapeMetrics(server.metricsUrl).catch(() => undefined);
    if (final !== undefined) record(readProgress(final, reading));
    await supervisor.stop();
    if (last === undefined) throw new InputError(`the server never answered on ${server.metricsUrl}`);
    // The server writes its last checkpoint as it stops, so the newest file is the run's end.
    const checkpoint = config.shards > 1 ? `${directory.checkpointDir} (a directory per shard; byzps checkpoint export ${directory.checkpointDir} --output theta.npy writes θ whole)` : await new CheckpointStore(directory.checkpointDir).newestPath();
    await writeStdout(formatSummary({ startRound, wallSeconds: (Date.now() - startedAt) / 1000, firstEvaluation, last, influence, checkpoint, logDir: directory.logDir }, shape));
    return exitCodes.ok;
  } finally {
    await supervisor.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** `byzps start`: a server and its workers, some Byzantine, as local processes with live progress and a summary. */
export const startCommand: Command = {
  async run(argv) {
    if (argv.includes('--help') || argv.includes('-h')) {
      await writeStdout(help());
      return exitCodes.ok;
    }
    const config = loadStartConfig(argv, process.env);
    // The server's address is not known yet; any valid one checks the rest of the workers' settings.
    checkChildSettings(config, workerPlans(config, '127.0.0.1:1'));
    return run(config);
  },
};
