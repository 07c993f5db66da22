/**
 * The sharded rows of the ingest benchmark (`npm run bench:ingest -- --shards 1,2,4`): for each S,
 * the parameter server runs as S real `byzps ps` processes (S = 1: one unsharded process) and n
 * client processes connect as workers do (worker/cluster-connection.ts): they learn the shard map
 * at Join, push each shard its range of the gradient and pull θ back from every shard. Each row
 * gives ingest GB/s, rounds/s, CPU seconds per round of each shard process and of a client process
 * (utime + stime from /proc/<pid>/stat, threads included), and the coordinator's exchange with the
 * other shards as a share of the round, read from its /metrics (byzps_shard_exchange_seconds:
 * from sending a step to the other shards until their last reply is back, nothing subtracted).
 */
import { randomBytes } from 'node:crypto';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../runtime/free-port.js';
import { allClients, startClients, stopClients } from './ingest-clients.js';

export interface ShardedIngestOptions {
  readonly shards: readonly number[];
  readonly workers: number;
  readonly rule: string;
  readonly f: number;
  readonly dimensions: readonly number[];
  readonly rounds: number;
}

const fromSources = import.meta.url.endsWith('.ts');
const cliPath = fileURLToPath(new URL(fromSources ? '../../dist/cli/main.js' : '../../cli/main.js', import.meta.url));

/** Float32 gradients and θ: 4 bytes a value on the wire. */
const BYTES_PER_VALUE = 4;
/** A Gram entry is a float64. */
const GRAM_ENTRY_BYTES = 8;

/** Where a run of the benchmark fails for a reason outside it (no build): exit 1, not 2. */
export class MissingBuildError extends Error {}

export function checkBuild(): void {
  if (!existsSync(cliPath)) throw new MissingBuildError(`${cliPath} is missing: run npm run build first`);
}

interface ShardProcess {
  readonly index: number;
  readonly child: ChildProcess;
  readonly address: string;
  readonly httpPort: number;
  /** What the process printed, for the error when it fails. */
  output(): string;
}

/** Starts S shard processes (S = 1: an unsharded server) and waits until each says where it listens. */
async function startShards(count: number, options: ShardedIngestOptions, dimension: number): Promise<ShardProcess[]> {
  const ports = await Promise.all(Array.from({ length: count }, () => freePort()));
  const peers = ports.map((port) => `127.0.0.1:${port}`);
  const adminToken = randomBytes(16).toString('hex');
  const common = [
    'ps', '--task', 'synthetic', '--dimension', String(dimension), '--rule', options.rule, '--f', String(options.f),
    // Every round waits for all n clients; nothing times out within a benchmark.
    '--quorum', String(options.workers), '--round-deadline-ms', '600000', '--push-timeout-ms', '600000', '--pull-wait-ms', '600000',
    '--grpc-host', '127.0.0.1', '--http-host', '127.0.0.1', '--http-port', '0', '--log-level', 'warn',
  ];
  const started = ports.map((port, index) => {
    const args = [...common, '--grpc-port', String(port), ...(count > 1 ? ['--shards', String(count), '--shard-index', String(index), '--shard-peers', peers.join(',')] : [])];
    // The shards authorise their calls to each other with the admin token.
    const child = spawn(process.execPath, [cliPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, BYZPS_ADMIN_TOKEN: adminToken } });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-8192);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const listening = new Promise<number>((resolve, reject) => {
      const look = () => {
        const match = /metrics on http:\/\/[^\s]+:(\d+)\/metrics/.exec(output);
        if (match !== null) {
          child.stderr.off('data', look);
          resolve(Number(match[1]));
        }
      };
      child.stderr.on('data', look);
      child.once('exit', (code, signal) => {
        reject(new Error(`shard ${index} exited (${code ?? signal}) before it listened: ${output.trim()}`));
      });
    });
    return { index, child, address: peers[index]!, listening, output: () => output };
  });
  try {
    const httpPorts = await Promise.all(started.map(({ listening }) => listening));
    return started.map(({ index, child, address, output }, i) => ({ index, child, address, httpPort: httpPorts[i]!, output }));
  } catch (error) {
    await stopShards(started);
    throw error;
  }
}

async function stopShards(shards: readonly { readonly child: ChildProcess }[]): Promise<void> {
  await Promise.all(
    shards.map(async ({ child }) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }),
  );
}

const ticksPerSecond = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds (user + system, all threads) process `pid` has used so far. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces: state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

/** Seconds the coordinator has spent in exchanges with the other shards so far, by task (summarize: the Gram matrices). */
async function exchangeSeconds(httpPort: number): Promise<{ summarize: number; apply: number }> {
  const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
  if (!text.includes('# HELP byzps_shard_exchange_seconds ')) throw new MissingBuildError(`the server's /metrics has no byzps_shard_exchange_seconds: ${cliPath} predates it; run npm run build`);
  const seconds = { summarize: 0, apply: 0 };
  for (const [, labels, value] of text.matchAll(/^byzps_shard_exchange_seconds_sum\{([^}]*)\} (\S+)$/gm)) {
    const task = /task="([^"]+)"/.exec(labels!)?.[1];
    if (task === 'summarize' || task === 'apply') seconds[task] += Number(value);
  }
  return seconds;
}

/** Seconds shard `httpPort` has spent handling ShardPeer.Step calls so far (grpc_server_handling_seconds). */
async function stepHandlingSeconds(httpPort: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
  let seconds = 0;
  for (const [, labels, value] of text.matchAll(/^grpc_server_handling_seconds_sum\{([^}]*)\} (\S+)$/gm)) if (labels!.includes('grpc_method="Step"')) seconds += Number(value);
  return seconds;
}

interface ShardedMeasurement {
  readonly rounds: number;
  readonly transferSeconds: number;
  readonly closeSeconds: number;
  readonly gramSeconds: number;
  readonly applySeconds: number;
  /** Seconds each member shard spent handling the coordinator's Step calls (both tasks), shard 1 first. */
  readonly memberStepSeconds: readonly number[];
  /** CPU seconds of each shard process over the measured rounds, shard 0 first. */
  readonly shardCpu: readonly number[];
  /** CPU seconds of each client process over the measured rounds. */
  readonly clientCpu: readonly number[];
}

/** One warm-up round, then `rounds` measured: every client pushes, then every client pulls θ of the next round from every shard. */
async function measure(shards: readonly ShardProcess[], clients: readonly ChildProcess[], rounds: number): Promise<ShardedMeasurement> {
  let transferSeconds = 0;
  let closeSeconds = 0;
  let cpuBefore: number[] = [];
  let exchangeBefore = { summarize: 0, apply: 0 };
  let stepsBefore: number[] = [];
  const members = shards.slice(1);
  const pids = [...shards.map(({ child }) => child.pid!), ...clients.map((client) => client.pid!)];
  for (let round = 0; round <= rounds; round++) {
    if (round === 1) {
      exchangeBefore = await exchangeSeconds(shards[0]!.httpPort);
      stepsBefore = await Promise.all(members.map(({ httpPort }) => stepHandlingSeconds(httpPort)));
      cpuBefore = pids.map(cpuSeconds);
    }
    const start = performance.now();
    await allClients(clients, { kind: 'push', round }, 'pushed');
    const transferred = performance.now();
    await allClients(clients, { kind: 'pull', round: round + 1 }, 'pulled');
    if (round === 0) continue;
    transferSeconds += (transferred - start) / 1000;
    closeSeconds += (performance.now() - transferred) / 1000;
  }
  const cpu = pids.map((pid, i) => cpuSeconds(pid) - cpuBefore[i]!);
  const exchange = await exchangeSeconds(shards[0]!.httpPort);
  const steps = await Promise.all(members.map(({ httpPort }) => stepHandlingSeconds(httpPort)));
  return {
    rounds,
    transferSeconds,
    closeSeconds,
    gramSeconds: exchange.summarize - exchangeBefore.summarize,
    applySeconds: exchange.apply - exchangeBefore.apply,
    memberStepSeconds: steps.map((seconds, i) => seconds - stepsBefore[i]!),
    shardCpu: cpu.slice(0, shards.length),
    clientCpu: cpu.slice(shards.length),
  };
}

const formatLoad = (): string => loadavg().map((value) => value.toFixed(2)).join(' ');
const megabytes = (bytes: number): string => (bytes / 1e6).toFixed(bytes < 1e7 ? 2 : 1);

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: readonly string[]) => cells.map((cell, column) => cell.padStart(widths[column]!)).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

export async function runShardedIngest(options: ShardedIngestOptions): Promise<void> {
  checkBuild();
  const n = options.workers;
  console.log(`${n} client processes connecting as workers (Join learns the shards; each range pushed to its shard, θ pulled from every shard), rule ${options.rule}, f = ${options.f}, float32, ${options.rounds} measured rounds after one warm-up;`);
  console.log(`${availableParallelism()} cores; load average (1, 5, 15 min) before: ${formatLoad()}. transfer = first push sent to last acknowledged by every shard; close+pull = then until every client has θ of the next round from every shard.`);
  console.log('Gram exchange = coordinator time from sending the summarize step to the other shards until all their partial Gram matrices are back (their Gram computation included); all exchanges adds the apply step;');
  console.log("member Step handling = each member shard's time in the coordinator's Step calls (its Gram and apply work, round close included), from its grpc_server_handling_seconds: part of the exchanges, not subtracted from them.");
  console.log('CPU s/round = utime + stime per measured round: each shard process (shard 0 first), and the mean of the client processes.\n');
  const header = ['S', 'n', 'd', 'ingest GB/s', 'rounds/s', 'transfer ms/round', 'close+pull ms/round', 'Gram exchange ms/round', 'Gram share', 'all exchanges ms/round', 'all exchanges share', 'member Step handling ms/round', 'shard CPU s/round', 'client CPU s/round', 'load 1/5/15 after'];
  const rows: string[][] = [];
  for (const dimension of options.dimensions) {
    for (const count of options.shards) {
      const shards = await startShards(count, options, dimension);
      let clients: ChildProcess[] = [];
      let m: ShardedMeasurement;
      try {
        clients = await startClients(n, shards[0]!.address, dimension, 'cluster', 'FLOAT32');
        m = await measure(shards, clients, options.rounds);
      } catch (error) {
        const exited = shards.filter(({ child }) => child.exitCode !== null || child.signalCode !== null);
        for (const shard of exited) console.error(`shard ${shard.index} exited: ${shard.output().trim()}`);
        throw error;
      } finally {
        await stopClients(clients);
        await stopShards(shards);
      }
      const roundSeconds = (m.transferSeconds + m.closeSeconds) / m.rounds;
      const perRound = (seconds: number) => seconds / m.rounds;
      const share = (seconds: number) => `${((100 * seconds) / (m.transferSeconds + m.closeSeconds)).toFixed(2)} %`;
      const clientMean = m.clientCpu.reduce((sum, seconds) => sum + seconds, 0) / m.clientCpu.length;
      rows.push([
        String(count),
        String(n),
        dimension.toExponential(0),
        ((n * dimension * BYTES_PER_VALUE * m.rounds) / m.transferSeconds / 1e9).toFixed(3),
        (1 / roundSeconds).toFixed(2),
        (1000 * perRound(m.transferSeconds)).toFixed(0),
        (1000 * perRound(m.closeSeconds)).toFixed(0),
        count === 1 ? '—' : (1000 * perRound(m.gramSeconds)).toFixed(1),
        count === 1 ? '—' : share(m.gramSeconds),
        count === 1 ? '—' : (1000 * perRound(m.gramSeconds + m.applySeconds)).toFixed(1),
        count === 1 ? '—' : share(m.gramSeconds + m.applySeconds),
        count === 1 ? '—' : m.memberStepSeconds.map((seconds) => (1000 * perRound(seconds)).toFixed(1)).join(' '),
        m.shardCpu.map((seconds) => perRound(seconds).toFixed(2)).join(' '),
        perRound(clientMean).toFixed(3),
        formatLoad(),
      ]);
      process.stderr.write(`S = ${count}, d = ${dimension.toExponential(0)}: measured\n`);
    }
  }
  console.log(table(header, rows));
  console.log(`\nModel, per round (float32 gradients and θ; a Gram entry is a float64):`);
  const modelHeader = ['S', 'n', 'd', 'pushed into each shard MB', 'pulled from each shard MB', 'Gram reply per member shard kB', 'Gram bytes into shard 0 kB', 'Gram / push bytes per shard'];
  const modelRows = options.dimensions.flatMap((dimension) =>
    options.shards.map((count) => {
      const perShard = (n * dimension * BYTES_PER_VALUE) / count;
      const gram = n * n * GRAM_ENTRY_BYTES;
      return [String(count), String(n), dimension.toExponential(0), megabytes(perShard), megabytes(perShard), count === 1 ? '—' : (gram / 1e3).toFixed(1), count === 1 ? '—' : (((count - 1) * gram) / 1e3).toFixed(1), count === 1 ? '—' : (gram / perShard).toExponential(1)];
    }),
  );
  console.log(table(modelHeader, modelRows));
  console.log(`Each shard's share of pushes, pulls and Gram computation (n²·d/(2S) multiply-adds) falls as 1/S; its Gram reply stays n²·8 bytes and one round trip.`);
  console.log(`With a core (or host) per shard and the clients elsewhere, the transfer and compute of a round shrink as 1/S until the coordinator's exchange, (S − 1)·n²·8 bytes and the slowest shard's reply, dominates.`);
  console.log(`Here every shard and every client share ${availableParallelism()} cores: S > 1 adds processes and a hop, and cannot show that speed-up.`);
}
