import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { shardCheckpointDirectory } from '../services/checkpoint.js';
import { freePort } from '../runtime/free-port.js';
import { type CliChild, runCliAsync, spawnServer, spawnWorker } from './cli-spawn.js';
import { eventually, metricValue, scrape } from './server-harness.js';

/*
 * Recovery of a sharded server (docs/PROTOCOL.md §10, "Recovery"), with real processes: three
 * `byzps ps` shards with checkpoints every CHECKPOINT_EVERY rounds and five honest `byzps worker`s.
 * Each shard in turn, the coordinator included, is killed with SIGKILL just after a round that has
 * no checkpoint opened, and started again on its port and checkpoint directory. The cluster must
 * go back to the newest round every shard holds and train on. Every round waits for all five
 * workers and the gradients are a function of θ and the round, so a history without lost or doubled
 * rounds ends at exactly the θ an undisturbed cluster reaches in as many rounds: the test compares
 * the two bit for bit, through `byzps checkpoint export`. The rule keeps state on the shards
 * (centered clipping's previous aggregate) and on the coordinator (bucketing's generator), so a
 * state restored wrongly shows too.
 */

const SHARDS = 3;
const D = 12_000;
const WORKERS = 5;
const CHECKPOINT_EVERY = 4;
const ADMIN_TOKEN = 'sharded-chaos-7c21';
/** Rounds the cluster must close after each restart before the next kill. */
const ROUNDS_BETWEEN_KILLS = 6;
const RECOVERY_LIMIT_MS = 90_000;

const children: CliChild[] = [];
const directories: string[] = [];
afterEach(async () => {
  await Promise.all(children.splice(0).map((child) => child.stop()));
  await Promise.all(directories.splice(0).map((directory) => rm(directory, { recursive: true, force: true })));
});

/** One `byzps ps` process's log, as far as the history of rounds goes. */
interface Life {
  readonly lines: readonly string[];
}

/** Three shards on fixed ports, each restartable on its port and checkpoint directory. */
class ShardedCluster {
  readonly lives: Life[][] = Array.from({ length: SHARDS }, () => []);
  private readonly runs: (CliChild | undefined)[] = Array.from({ length: SHARDS }, () => undefined);
  private readonly httpPorts: number[] = [];

  constructor(
    readonly directory: string,
    private readonly ports: readonly number[],
  ) {}

  get coordinator(): string {
    return `127.0.0.1:${this.ports[0]!}`;
  }

  async start(index: number): Promise<void> {
    const peers = this.ports.map((port) => `127.0.0.1:${port}`).join(',');
    const { run, httpPort } = await spawnServer([
      ...['--task', 'synthetic', '--dimension', String(D), '--learning-rate', '0.05', '--seed', '11'],
      ...['--rule', 'centered-clipping', '--rule-params', 'tau=0.5', '--pre', 'bucketing:s=2,seed=3', '--f', '1'],
      ...['--quorum', String(WORKERS), '--round-deadline-ms', '120000', '--admin-token', ADMIN_TOKEN, '--log-level', 'debug'],
      ...['--grpc-port', String(this.ports[index]!), '--shards', String(SHARDS), '--shard-index', String(index), '--shard-peers', peers],
      ...['--checkpoint-dir', shardCheckpointDirectory(this.directory, index), '--checkpoint-every-rounds', String(CHECKPOINT_EVERY)],
    ]);
    children.push(run);
    this.runs[index] = run;
    this.httpPorts[index] = httpPort;
    this.lives[index]!.push({ lines: run.stdoutLines });
  }

  async startAll(): Promise<void> {
    await Promise.all(this.ports.map((_, index) => this.start(index)));
    // Every member announces itself as it starts; training begins once the coordinator has brought all of them to one round.
    await eventually(() => {
      const lines = this.runs[0]!.stdoutLines;
      const announced = lines.map((line, i) => (/"reason":"shard \d+ started"/.test(line) ? i : -1)).filter((i) => i >= 0);
      const synced = lines.map((line, i) => (line.includes(`"msg":"all ${SHARDS} shards are at round`) ? i : -1)).reduce((last, i) => Math.max(last, i), -1);
      return announced.length >= SHARDS - 1 && synced > Math.max(...announced);
    }, 'the coordinator has heard from every shard and brought them to one round', 30_000, 50);
  }

  async kill(index: number): Promise<void> {
    const run = this.runs[index]!;
    process.kill(run.pid, 'SIGKILL');
    await run.exited;
  }

  /** The open round of every shard (undefined for one that does not answer). */
  async rounds(): Promise<(number | undefined)[]> {
    return Promise.all(this.httpPorts.map(async (port, index) => (this.runs[index] === undefined ? undefined : scrape(port).then((samples) => metricValue(samples, 'byzps_round', { shard: String(index) }), () => undefined))));
  }

  /** SIGTERM to every shard, waiting as long as each takes to write its last checkpoint and exit. */
  async stopAll(): Promise<void> {
    const codes = await Promise.all(
      this.runs.map((run) => {
        if (run === undefined) return Promise.resolve(0);
        process.kill(run.pid, 'SIGTERM');
        return run.exited;
      }),
    );
    expect(codes, 'every shard exits 0 on SIGTERM').toEqual(this.runs.map(() => 0));
  }
}

async function newCluster(): Promise<ShardedCluster> {
  const directory = await mkdtemp(join(tmpdir(), 'byzps-sharded-chaos-'));
  directories.push(directory);
  return new ShardedCluster(directory, await Promise.all(Array.from({ length: SHARDS }, () => freePort())));
}

/** Starts the workers one after another, each once it has joined, so that their ids (the order of the rows a rule sees) are the same in every run. */
async function startWorkers(address: string, extra: readonly string[] = []): Promise<CliChild[]> {
  const workers: CliChild[] = [];
  for (let i = 0; i < WORKERS; i++) {
    const { run } = await spawnWorker(address, `w${i}`, ['--shard', String(i), '--workers', String(WORKERS), '--log-level', 'info', ...extra]);
    children.push(run);
    workers.push(run);
    await run.line((line) => line.includes('"joined the parameter server"'), `w${i} joins`);
  }
  return workers;
}

/** Waits until every shard's open round is at least `round`; returns the rounds. */
async function reach(cluster: ShardedCluster, round: number, what: string): Promise<number[]> {
  let rounds: (number | undefined)[] = [];
  await eventually(async () => {
    rounds = await cluster.rounds();
    return rounds.every((open) => open !== undefined && open >= round);
  }, `${what}: every shard at round ${round} or later (last seen ${JSON.stringify(rounds)})`, RECOVERY_LIMIT_MS, 50);
  return rounds as number[];
}

/**
 * A shard's surviving history over its lives: each "round members" line closes a round; a resume
 * from a checkpoint of round c, or a rewind to round c, undoes every close of round c or later.
 */
function survivingHistory(lives: readonly Life[]): { round: number; workers: string[] }[] {
  const history: { round: number; workers: string[] }[] = [];
  const undoFrom = (round: number) => {
    while (history.length > 0 && history.at(-1)!.round >= round) history.pop();
  };
  for (const life of lives) {
    let started = false;
    for (const line of life.lines) {
      if (!line.startsWith('{')) continue;
      const record = JSON.parse(line) as { msg?: string; component?: string; round?: number; from?: unknown; workers?: string[] };
      if (record.msg === 'resumed from checkpoint') undoFrom(record.round!);
      else if (record.msg === 'parameter server started' && !started) undoFrom(0);
      else if (record.component === 'round' && typeof record.from === 'number') undoFrom(record.round!);
      else if (record.msg === 'round members') history.push({ round: record.round!, workers: [...record.workers!].sort() });
      if (record.msg === 'resumed from checkpoint' || record.msg === 'parameter server started') started = true;
    }
  }
  return history;
}

/** Rewinds a shard logged over its lives: from which round back to which. */
function rewinds(lives: readonly Life[]): { from: number; to: number }[] {
  return lives.flatMap((life) =>
    life.lines
      .filter((line) => line.startsWith('{') && line.includes('"component":"round"') && line.includes('"from":'))
      .map((line) => JSON.parse(line) as { from: number; round: number })
      .map(({ from, round }) => ({ from, to: round })),
  );
}

async function exportTheta(cluster: ShardedCluster): Promise<{ round: number; bytes: Buffer }> {
  const output = join(cluster.directory, 'theta.npy');
  const { code, stdout, stderr } = await runCliAsync(['checkpoint', 'export', cluster.directory, '--output', output]);
  expect(code, stderr).toBe(0);
  const round = Number(/θ of round (\d+) /.exec(stdout)![1]);
  expect(stdout).toContain(`from ${SHARDS} shards`);
  return { round, bytes: await readFile(output) };
}

describe('a sharded server killed with SIGKILL, one shard at a time', () => {
  it('goes back to the newest round every shard holds, trains on, and ends at the θ of an undisturbed run, bit for bit', async () => {
    const disturbed = await newCluster();
    await disturbed.startAll();
    const workers = await startWorkers(disturbed.coordinator);
    let round = (await reach(disturbed, ROUNDS_BETWEEN_KILLS, 'training starts'))[0]!;
    const kills: { shard: number; atRound: number; restartSeconds: number; pastSeconds: number }[] = [];
    for (const shard of [1, 0, 2]) {
      // Just after a round without a checkpoint opened: the restarted shard resumes from an older one, so the others must go back.
      await eventually(async () => {
        const [open] = await disturbed.rounds();
        return open !== undefined && open % CHECKPOINT_EVERY === 1;
      }, `a round ≡ 1 (mod ${CHECKPOINT_EVERY}) is open`, RECOVERY_LIMIT_MS, 5);
      const atRound = Math.max(...(await disturbed.rounds()).filter((open): open is number => open !== undefined));
      const killedAt = Date.now();
      await disturbed.kill(shard);
      await disturbed.start(shard);
      const restartedAt = Date.now();
      await reach(disturbed, atRound + 1, `after shard ${shard} was killed at round ${atRound}, past it again`);
      kills.push({ shard, atRound, restartSeconds: (restartedAt - killedAt) / 1000, pastSeconds: (Date.now() - killedAt) / 1000 });
      round = Math.max(...(await reach(disturbed, atRound + ROUNDS_BETWEEN_KILLS, `after shard ${shard} was killed at round ${atRound}`)));
    }
    await Promise.all(workers.map((worker) => worker.stop()));
    // No round closes without all five workers: once a close in progress has reached every shard, they rest at one open round.
    let rounds: (number | undefined)[] = [];
    await eventually(async () => {
      rounds = await disturbed.rounds();
      return rounds[0] !== undefined && rounds[0] >= round && rounds.every((open) => open === rounds[0]);
    }, `every shard at one open round after the workers stopped (last seen ${JSON.stringify(rounds)})`, RECOVERY_LIMIT_MS, 50);
    await disturbed.stopAll();
    // The round each shard had open as it stopped, from its log: a close still in flight above has ended by then.
    const stoppedAt = disturbed.lives.map((lives) => lives.at(-1)!.lines.map((line) => /"round":(\d+),.*"msg":"parameter server stopped"/.exec(line)?.[1]).find((round) => round !== undefined));
    expect(new Set(stoppedAt).size, `rounds open as the shards stopped: ${JSON.stringify(stoppedAt)}`).toBe(1);
    const finalRound = Number(stoppedAt[0]);

    const histories = disturbed.lives.map(survivingHistory);
    for (const [shard, history] of histories.entries()) {
      expect(history.map((entry) => entry.round), `shard ${shard}'s surviving rounds: ${JSON.stringify(history.map((entry) => entry.round))}; rewinds ${JSON.stringify(rewinds(disturbed.lives[shard]!))}`).toEqual(Array.from({ length: finalRound }, (_, r) => r));
      expect(history.every((entry) => entry.workers.length === WORKERS), `shard ${shard}: every round with all ${WORKERS} workers`).toBe(true);
    }
    expect(histories[1], 'shards 0 and 1 closed the same rounds with the same workers').toEqual(histories[0]);
    expect(histories[2], 'shards 0 and 2 closed the same rounds with the same workers').toEqual(histories[0]);
    for (const { shard, atRound, restartSeconds, pastSeconds } of kills) {
      const back = rewinds(disturbed.lives[shard === 0 ? 1 : 0]!).find(({ from, to }) => from >= atRound && to < atRound);
      console.log(`shard ${shard} killed at round ${atRound}: listening again after ${restartSeconds.toFixed(1)} s, the shards went back to round ${back?.to ?? '?'}, every shard past round ${atRound} again ${pastSeconds.toFixed(1)} s after the kill`);
    }
    // Each kill sent the shards that stayed up back to the killed shard's older checkpoint.
    for (const { shard, atRound } of kills) {
      const others = [0, 1, 2].filter((other) => other !== shard);
      for (const other of others) {
        expect(rewinds(disturbed.lives[other]!).some(({ from, to }) => from >= atRound && to < atRound && to % CHECKPOINT_EVERY === 0), `shard ${other} went back to a checkpointed round after shard ${shard} was killed at round ${atRound}`).toBe(true);
      }
    }
    const afterChaos = await exportTheta(disturbed);
    expect(afterChaos.round).toBe(finalRound);

    // The same cluster undisturbed, each worker pushing exactly finalRound gradients.
    const undisturbed = await newCluster();
    await undisturbed.startAll();
    const steady = await startWorkers(undisturbed.coordinator, ['--max-steps', String(finalRound)]);
    const codes = await Promise.all(steady.map((worker) => worker.exited));
    expect(codes).toEqual(Array.from({ length: WORKERS }, () => 0));
    expect(await reach(undisturbed, finalRound, 'the undisturbed run')).toEqual(Array.from({ length: SHARDS }, () => finalRound));
    await undisturbed.stopAll();
    const reference = await exportTheta(undisturbed);
    expect(reference.round).toBe(finalRound);
    expect(afterChaos.bytes.equals(reference.bytes), `θ of round ${finalRound} after ${kills.length} kills equals the undisturbed run's`).toBe(true);
  }, 600_000);
});
