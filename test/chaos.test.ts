import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SeededRandom } from '../aggregators/index.js';
import { type Checkpoint, decodeCheckpoint } from '../services/checkpoint.js';
import { SyntheticTask } from '../tasks/synthetic.js';
import { checkpointLagProblems, type KilledLife, readServerLife, restartProblems, sequenceProblems, survivingHistory } from './chaos-history.js';
import { type CliChild, runCliAsync, spawnServer, spawnWorker } from './cli-spawn.js';
import type { StatusReply__Output } from '../proto/generated/byzps/v1/StatusReply.js';
import { ADMIN_TOKEN, callControl, controlClient, eventually, metricValue, scrape, ScriptedWorker, WORKER_TOKEN } from './server-harness.js';

/*
 * A training run of real processes under a seeded chaos schedule: 8 `byzps worker` processes are
 * killed with SIGKILL and restarted under their names, frozen with SIGSTOP for a while, or slowed
 * with `byzps inject --fault delay`; between phases the `byzps ps` process itself is killed with
 * SIGKILL and restarted on its port and checkpoint directory, while some workers stay frozen from
 * before the kill until after the restart. A wait that times out says what the server and each
 * worker were waiting for.
 */

const SEED = 20_261_128;
const WORKERS = 8;
/** Phases of worker chaos; the server is killed between two phases. */
const PHASES = 4;
const PHASE_MS = 4000;
/** How often a wait scrapes /metrics: often enough to time recoveries, rarely enough not to load the server. */
const SCRAPE_EVERY_MS = 100;
/** Gap between two worker events, drawn uniformly from this range. */
const EVENT_GAP_MS = [250, 750] as const;
const LEARNING_RATE = 0.05;
/** How many workers stay frozen across each server restart, and how long after it they wake. */
const FROZEN_ACROSS_RESTART = [1, 3] as const;
const FROZEN_AFTER_RESTART_MS = [300, 2000] as const;
/** The synthetic task's excess loss starts near 0.37; undisturbed, this is reached after about 100 rounds. */
const TARGET_EXCESS_LOSS = 0.005;
const env = { BYZPS_WORKER_TOKEN: WORKER_TOKEN, BYZPS_ADMIN_TOKEN: ADMIN_TOKEN, LOG_LEVEL: 'info' };

type EventKind = 'worker kill -9 + restart' | 'worker SIGSTOP/SIGCONT' | 'worker delay (byzps inject)' | 'server kill -9 + restart' | 'workers frozen across restarts';

interface ChaosWorker {
  readonly name: string;
  readonly shard: number;
  /** Every process this worker ran as, the current one last. */
  readonly lives: CliChild[];
  state: 'running' | 'paused' | 'dead';
  busy: boolean;
}

interface RunningServer {
  readonly run: CliChild;
  readonly httpPort: number;
  readonly startedAtMs: number;
}

let directory: string | undefined;
const children: CliChild[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) {
    signal(child, 'SIGCONT');
    await child.stop();
  }
  if (directory !== undefined) await rm(directory, { recursive: true, force: true });
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function signal(child: CliChild, name: NodeJS.Signals): void {
  try {
    process.kill(child.pid, name);
  } catch (error) {
    // A process that already ended has nothing left to signal.
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** The newest checkpoint that verifies, as a restarted server picks it. */
async function newestCheckpoint(dir: string): Promise<Checkpoint> {
  const files = (await readdir(dir)).filter((name) => /^checkpoint-\d{10}\.bin$/.test(name)).sort().reverse();
  for (const file of files) {
    try {
      return decodeCheckpoint(await readFile(join(dir, file)));
    } catch {
      // A file cut short by the kill; the one before it counts.
    }
  }
  throw new Error(`no valid checkpoint in ${dir}`);
}

function uniform(random: SeededRandom, [low, high]: readonly [number, number]): number {
  return Math.round(low + (high - low) * random.next());
}

describe('chaos: a training run of processes that keep being killed, paused and delayed', () => {
  it('reaches its target loss, closes every round exactly once in the surviving history, and resumes θ bit for bit after each server kill', async () => {
    directory = await mkdtemp(join(tmpdir(), 'byzps-chaos-'));
    const dir = directory;
    const random = SeededRandom.fromSeed(SEED);
    const events = new Map<EventKind, number>();
    const count = (kind: EventKind, times = 1) => events.set(kind, (events.get(kind) ?? 0) + times);
    const workerRejoins: { startMs: number; pushMs: number }[] = [];
    const recoveries: { round: number; firstRoundMs: number; allWorkersMs: number }[] = [];
    const killed: KilledLife[] = [];
    const servers: CliChild[] = [];

    const serverArgs = (port: number) => [
      '--grpc-port', String(port), '--rule', 'trimmed-mean', '--f', '1', '--learning-rate', String(LEARNING_RATE),
      '--round-deadline-ms', '1000', '--eval-every-rounds', '5', '--checkpoint-dir', dir, '--checkpoint-every-rounds', '1',
    ];
    const startServer = async (port: number): Promise<RunningServer> => {
      const started = await spawnServer(serverArgs(port), env);
      children.push(started.run);
      servers.push(started.run);
      return { run: started.run, httpPort: started.httpPort, startedAtMs: Date.now() };
    };
    let server = await startServer(0);
    const port = Number(/gRPC on [^ ]+:(\d+),/.exec(server.run.stderr())![1]);
    const address = `127.0.0.1:${port}`;

    const startWorkerProcess = async (worker: ChaosWorker) => {
      const { run } = await spawnWorker(address, worker.name, ['--workers', String(WORKERS), '--shard', String(worker.shard)], env, 60_000);
      children.push(run);
      worker.lives.push(run);
      worker.state = 'running';
    };
    const workers: ChaosWorker[] = Array.from({ length: WORKERS }, (_, shard) => ({ name: `chaos-${shard}`, shard, lives: [], state: 'dead', busy: false }));
    await Promise.all(workers.map(startWorkerProcess));

    const lastPushSeconds = async (name: string) => metricValue(await scrape(server.httpPort), 'byzps_worker_last_push_timestamp_seconds', { worker: name });
    /** What the server and every worker were doing: the server's Status and each worker's state and last log lines. */
    const explain = async () => {
      const control = controlClient(address);
      const status = await callControl<StatusReply__Output>((metadata, done) => control.status({}, metadata, done), ADMIN_TOKEN).finally(() => { control.close(); });
      const serverState = status.ok
        ? `server: round ${status.reply.round}, ${status.reply.gradientsReceived} gradients in, quorum ${status.reply.quorum}, waiting for ${status.reply.awaited} awaited workers: ` +
          status.reply.workers.map((worker) => `${worker.name} ${worker.awaited ? 'awaited' : `probation ${worker.probation}`}${worker.pushedThisRound ? ' pushed' : ''}`).join('; ')
        : `server: Status failed (${status.details})`;
      const workerStates = workers.map((worker) => {
        const tail = worker.lives.at(-1)?.stdoutLines.filter((line) => line.startsWith('{')).slice(-3).map((line) => (JSON.parse(line) as { msg: string }).msg);
        return `  ${worker.name} (${worker.state}): ${tail?.join(' | ') ?? 'no output'}`;
      });
      return [serverState, ...workerStates].join('\n');
    };
    /** `eventually`, with what everyone was waiting for when it times out. */
    const waitFor = async (condition: () => boolean | Promise<boolean>, what: string, limitMs = 60_000) => {
      try {
        await eventually(condition, what, limitMs, SCRAPE_EVERY_MS);
      } catch (error) {
        throw new Error(`${(error as Error).message}\n${await explain()}`, { cause: error });
      }
    };
    const pushedSince = (worker: ChaosWorker, sinceMs: number, what: string) => waitFor(async () => (await lastPushSeconds(worker.name)) * 1000 >= sinceMs, what);

    // Chaos starts once every worker is in a durable checkpoint, so a restarted server knows all their ids.
    await waitFor(async () => (await newestCheckpoint(dir).catch(() => undefined))?.workers.length === WORKERS, 'a checkpoint holds all 8 workers');

    const workerEvent = async (worker: ChaosWorker, kind: EventKind, durationMs: number, rounds: number) => {
      count(kind);
      const current = worker.lives.at(-1)!;
      if (kind === 'worker kill -9 + restart') {
        worker.state = 'dead';
        signal(current, 'SIGKILL');
        await current.exited;
        await sleep(durationMs);
        const restartedAt = Date.now();
        await startWorkerProcess(worker);
        const listeningAt = Date.now();
        await pushedSince(worker, restartedAt, `${worker.name} pushes again after its restart`);
        workerRejoins.push({ startMs: listeningAt - restartedAt, pushMs: Date.now() - listeningAt });
      } else if (kind === 'worker SIGSTOP/SIGCONT') {
        worker.state = 'paused';
        signal(current, 'SIGSTOP');
        await sleep(durationMs);
        signal(current, 'SIGCONT');
        worker.state = 'running';
      } else {
        const inject = await runCliAsync(['inject', '--server', address, '--worker', worker.name, '--fault', `delay:ms=${durationMs}`, '--rounds', String(rounds)], env);
        expect(inject.code, inject.stderr).toBe(0);
      }
    };

    /** Worker events for one phase, drawn from the seeded generator in order, each worker in one event at a time. */
    const workerChaos = async () => {
      const inFlight: Promise<void>[] = [];
      const end = Date.now() + PHASE_MS;
      while (Date.now() < end) {
        await sleep(uniform(random, EVENT_GAP_MS));
        const worker = workers[Math.floor(random.next() * WORKERS)]!;
        const draw = random.next();
        const kind: EventKind = draw < 0.35 ? 'worker kill -9 + restart' : draw < 0.7 ? 'worker SIGSTOP/SIGCONT' : 'worker delay (byzps inject)';
        const durationMs = kind === 'worker kill -9 + restart' ? uniform(random, [200, 1000]) : kind === 'worker SIGSTOP/SIGCONT' ? uniform(random, [300, 2500]) : uniform(random, [200, 1500]);
        const rounds = 1 + Math.floor(random.next() * 4);
        if (worker.busy) continue;
        worker.busy = true;
        inFlight.push(
          workerEvent(worker, kind, durationMs, rounds).finally(() => {
            worker.busy = false;
          }),
        );
      }
      await Promise.all(inFlight);
    };

    const killServer = async () => {
      count('server kill -9 + restart');
      // Some workers are frozen before the kill and wake only after the restart: they never see the old server go.
      const running = workers.filter((worker) => worker.state === 'running');
      const acrossRestart = running.slice(0, uniform(random, FROZEN_ACROSS_RESTART));
      const wakeAfterMs = uniform(random, FROZEN_AFTER_RESTART_MS);
      for (const worker of acrossRestart) {
        worker.state = 'paused';
        signal(worker.lives.at(-1)!, 'SIGSTOP');
      }
      const killedAt = Date.now();
      signal(server.run, 'SIGKILL');
      await server.run.exited;
      const durable = await newestCheckpoint(dir);
      killed.push({ life: readServerLife(server.run.stdoutLines), durableRound: durable.round });
      // The other workers wait, frozen, while θ is read from the new server: no round can close before that read.
      const frozen = running.filter((worker) => !acrossRestart.includes(worker));
      for (const worker of frozen) signal(worker.lives.at(-1)!, 'SIGSTOP');
      server = await startServer(port);
      const observer = new ScriptedWorker(address);
      let resumed;
      try {
        resumed = await observer.observe();
      } finally {
        observer.close();
        for (const worker of frozen) signal(worker.lives.at(-1)!, 'SIGCONT');
      }
      expect(resumed.round).toBe(durable.round);
      expect(Buffer.from(resumed.theta.buffer).equals(Buffer.from(durable.parameters.buffer)), `θ of round ${durable.round} after the restart`).toBe(true);
      await sleep(wakeAfterMs);
      for (const worker of acrossRestart) {
        signal(worker.lives.at(-1)!, 'SIGCONT');
        worker.state = 'running';
      }
      count('workers frozen across restarts', acrossRestart.length);
      const life = server.run;
      await waitFor(() => readServerLife(life.stdoutLines).closedRounds.length > 0, 'the restarted server closes a round');
      const firstRoundMs = Date.now() - killedAt;
      await Promise.all(workers.map((worker) => pushedSince(worker, server.startedAtMs, `${worker.name} pushes to the restarted server`)));
      recoveries.push({ round: durable.round, firstRoundMs, allWorkersMs: Date.now() - killedAt });
    };

    for (let phase = 0; phase < PHASES; phase++) {
      await workerChaos();
      if (phase < PHASES - 1) await killServer();
    }

    // Training goes on to its target, judged by the last server's own evaluation of a round it trained.
    const target = new SyntheticTask({ dimension: 1000, seed: 1 }).lossFloor() + TARGET_EXCESS_LOSS;
    const lastStart = readServerLife(server.run.stdoutLines).startRound;
    const evaluation = async () => {
      const samples = await scrape(server.httpPort);
      return { round: metricValue(samples, 'byzps_eval_round'), loss: metricValue(samples, 'byzps_eval_loss') };
    };
    await waitFor(async () => {
      const { round, loss } = await evaluation();
      return round > lastStart && loss <= target;
    }, `the evaluation loss falls to ${target.toFixed(4)}`, 120_000);
    const final = await evaluation();

    // Workers first, so the server's graceful shutdown has no calls to wait for.
    await Promise.all(workers.map((worker) => worker.lives.at(-1)!.stop()));
    signal(server.run, 'SIGTERM');
    const exitCode = await server.run.exited;

    const lives = servers.map((run) => readServerLife(run.stdoutLines));
    const history = survivingHistory(lives);
    const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
    const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    const redone = killed.map(({ life, durableRound }) => (life.closedRounds.at(-1) ?? durableRound - 1) + 1 - durableRound);
    console.log(
      [
        `chaos (seed ${SEED}, ${WORKERS} workers, trimmed-mean f=1, checkpoint every round)`,
        ...[...events].map(([kind, n]) => `  ${kind.padEnd(32)} ${n}`),
        `  rounds in the surviving history  ${history.length} (closed in all: ${lives.reduce((sum, life) => sum + life.closedRounds.length, 0)}; redone after each server kill: ${redone.join(', ')})`,
        `  server restarts                  ${killed.length}`,
        ...recoveries.map((r, k) => `  recovery after server kill ${k + 1}     resumed at round ${r.round}: first round closed ${seconds(r.firstRoundMs)} after the kill, all ${WORKERS} workers pushing after ${seconds(r.allWorkersMs)}`),
        `  worker restarts                  ${workerRejoins.length}: process start median ${seconds(median(workerRejoins.map((r) => r.startMs)))}, then first accepted push median ${seconds(median(workerRejoins.map((r) => r.pushMs)))} (max ${seconds(Math.max(...workerRejoins.map((r) => r.pushMs)))})`,
        `  final evaluation                 loss ${final.loss.toFixed(4)} at round ${final.round} (target ${target.toFixed(4)}: floor + ${TARGET_EXCESS_LOSS})`,
      ].join('\n'),
    );

    expect(exitCode).toBe(0);
    expect(lives.flatMap(sequenceProblems)).toEqual([]);
    expect(lives.flatMap(checkpointLagProblems)).toEqual([]);
    expect(restartProblems(killed, lives)).toEqual([]);
    expect(history).toEqual(Array.from({ length: history.length }, (_, round) => round));
    expect(killed.length).toBeGreaterThanOrEqual(3);

    // Every process a worker ran as joined with the id its first one got.
    for (const worker of workers) {
      const ids = worker.lives.flatMap((run) => run.stdoutLines.filter((line) => line.includes('"joined the parameter server"')).map((line) => (JSON.parse(line) as { workerId: number }).workerId));
      expect(new Set(ids).size, `${worker.name} joined as ${ids.join(', ')}`).toBe(1);
    }

    expect(workerRejoins.length).toBeGreaterThan(0);
  }, 300_000);
});
