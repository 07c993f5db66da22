/**
 * Gradient ingest of the parameter server against a bare grpc-js server, in one run: 8 client
 * processes push d-dimensional gradients every round over 127.0.0.1, first to a bare server that
 * only receives the same Push stream, then to the parameter server (rule mean, n = 8), which
 * assembles, aggregates and steps, with float32 pushes and then with bfloat16 pushes (half the
 * bytes, widened by the server). Prints one table row per (server, encoding, d): ingest GB/s of
 * gradient values, rounds/s, the round split into transfer and aggregation+optimizer, and the
 * largest event-loop delay.
 *
 * With --shards S,… it instead runs the parameter server as S real `byzps ps` shard processes
 * (dist/, so npm run build first) for each S, n clients connecting as workers do, and prints per S
 * ingest GB/s, rounds/s, CPU seconds per round of each shard and of a client process, and the
 * coordinator's Gram exchange with the other shards as a share of the round (ingest-shards.ts),
 * then a model of the bytes each shard moves per round.
 *
 * What a 2-core machine can and cannot show: every shard and every client process compete for
 * the same two cores, so S > 1 only adds processes, a hop and the exchange; it cannot show the
 * speed-up of shards on cores or hosts of their own. What it does show: that the exchange is a
 * small share of a round (n²·8 bytes per shard against n·d/S·4 of gradients), how CPU per round
 * divides among the shard processes, and what the extra processes cost. The model printed after
 * the table says how throughput grows when each shard has its own cores.
 *
 * Usage: npm run bench:ingest [-- --quick]
 *        npm run bench:ingest -- --shards 1,2,4 [--workers 15] [--rule flag] [--f 1] [--dimension 1000000,…] [--rounds 10] [--quick]
 */
import type { ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Server, ServerCredentials, status } from '@grpc/grpc-js';
import { makeServerConfig } from '../config.js';
import { byzpsV1, type ParameterServerHandlers } from '../../proto/protocol.js';
import { startServer } from '../server.js';
import type { GradientEncoding } from '../../proto/tensor-encoding.js';
import { GRPC_TRANSPORT_OPTIONS } from '../../proto/transport.js';
import { alignedSlices, ShardCoordinator } from '../../aggregators/index.js';
import { allClients, startClients, stopClients } from './ingest-clients.js';
import { MissingBuildError, runShardedIngest, type ShardedIngestOptions } from './ingest-shards.js';

const CLIENTS = 8;

/** A running server under test: where it listens, how to tell that a round is fully done, and how to stop it. */
interface Target {
  readonly address: string;
  /** Resolves once round `round` is closed (immediately for the bare server, which has no rounds). */
  roundDone(round: number): Promise<void>;
  /** Seconds the rule has spent so far, on its thread (0 for the bare server). */
  ruleSeconds(): Promise<number>;
  close(): Promise<void>;
}

/** Receives Push streams and acknowledges them, nothing else: the ceiling for any server on grpc-js. */
async function startBareServer(): Promise<Target> {
  const server = new Server({ ...GRPC_TRANSPORT_OPTIONS, 'grpc.max_receive_message_length': 2 * 1024 * 1024 });
  const unimplemented = { code: status.UNIMPLEMENTED, details: 'the bare benchmark server only takes pushes' };
  const handlers: ParameterServerHandlers = {
    Join(_call, callback) {
      callback(unimplemented);
    },
    Pull(call) {
      call.emit('error', unimplemented);
    },
    Observe(call) {
      call.emit('error', unimplemented);
    },
    ReportEvaluation(_call, callback) {
      callback(unimplemented);
    },
    Push(call, callback) {
      let bytes = 0;
      call.on('data', (chunk: { data: Buffer }) => {
        bytes += chunk.data.byteLength;
      });
      call.on('end', () => {
        callback(null, { accepted: bytes > 0, round: 0 });
      });
    },
  };
  server.addService(byzpsV1.ParameterServer.service, handlers);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => {
      if (error === null) resolve(bound);
      else reject(error);
    });
  });
  return {
    address: `127.0.0.1:${port}`,
    roundDone: () => Promise.resolve(),
    ruleSeconds: () => Promise.resolve(0),
    close: () => new Promise((resolve) => { server.tryShutdown(() => { resolve(); }); }),
  };
}

async function startParameterServer(dimension: number): Promise<Target> {
  const config = makeServerConfig({ grpcHost: '127.0.0.1', grpcPort: 0, httpHost: '127.0.0.1', httpPort: 0, dimension, rule: 'mean', logLevel: 'warn', roundDeadlineMs: 600_000, pushTimeoutMs: 600_000 });
  const handle = await startServer(config);
  return {
    address: `127.0.0.1:${handle.grpcPort}`,
    roundDone: (round) => handle.engine.waitForRound(round + 1, AbortSignal.timeout(600_000)),
    async ruleSeconds() {
      const { values } = await handle.metrics.aggregationDuration.get();
      return values.find((value) => value.metricName === 'byzps_aggregation_duration_seconds_sum')?.value ?? 0;
    },
    close: () => handle.close(),
  };
}

interface Measurement {
  readonly transferSeconds: number;
  readonly closeSeconds: number;
  readonly ruleSeconds: number;
  readonly rounds: number;
  readonly maxLagMs: number;
}

/** Runs one warm-up round, then `rounds` measured rounds: all clients push, then the round closes. */
async function measure(target: Target, clients: readonly ChildProcess[], rounds: number): Promise<Measurement> {
  const lag = monitorEventLoopDelay({ resolution: 5 });
  let transferSeconds = 0;
  let closeSeconds = 0;
  let ruleSecondsBefore = 0;
  for (let round = 0; round <= rounds; round++) {
    if (round === 1) {
      lag.enable();
      ruleSecondsBefore = await target.ruleSeconds();
    }
    const start = performance.now();
    await allClients(clients, { kind: 'push', round }, 'pushed');
    const transferred = performance.now();
    await target.roundDone(round);
    if (round === 0) continue;
    transferSeconds += (transferred - start) / 1000;
    closeSeconds += (performance.now() - transferred) / 1000;
  }
  lag.disable();
  return { transferSeconds, closeSeconds, ruleSeconds: (await target.ruleSeconds()) - ruleSecondsBefore, rounds, maxLagMs: lag.max / 1e6 };
}

async function run(mode: 'ps' | 'bare', dimension: number, rounds: number, encoding: GradientEncoding = 'FLOAT32'): Promise<Measurement> {
  const target = mode === 'ps' ? await startParameterServer(dimension) : await startBareServer();
  const clients = await startClients(CLIENTS, target.address, dimension, mode, encoding);
  try {
    return await measure(target, clients, rounds);
  } finally {
    await stopClients(clients);
    await target.close();
  }
}

/** The unsharded table: bare grpc-js against the parameter server, float32 and bfloat16, at d = 10⁶ and 10⁷. */
async function runUnsharded(quick: boolean): Promise<void> {
  const cases = [
    { dimension: 1_000_000, rounds: quick ? 4 : 12 },
    { dimension: 10_000_000, rounds: quick ? 2 : 4 },
  ];

  const loadBefore = formatLoad();
  const header = ['server', 'd', 'rounds', 'ingest GB/s', 'rounds/s', 'transfer ms/round', 'agg+opt ms/round', 'of which rule', 'agg+opt share', 'max loop delay ms', 'vs bare', 'rounds/s vs float32'];
  const rows: string[][] = [];
  for (const { dimension, rounds } of cases) {
    const bytesPerRound = CLIENTS * dimension * 4;
    const bare = await run('bare', dimension, rounds);
    const ps = await run('ps', dimension, rounds);
    const bfloat16 = await run('ps', dimension, rounds, 'BFLOAT16');
    // Gradient values delivered as float32 bytes per second, whatever the wire carried.
    const ingest = (m: Measurement) => (bytesPerRound * m.rounds) / m.transferSeconds / 1e9;
    const roundsPerSecond = (m: Measurement) => m.rounds / (m.transferSeconds + m.closeSeconds);
    for (const [label, m] of [['bare grpc-js', bare], ['byzps ps', ps], ['byzps ps, bfloat16', bfloat16]] as const) {
      const roundSeconds = (m.transferSeconds + m.closeSeconds) / m.rounds;
      rows.push([
        label,
        dimension.toExponential(0),
        String(m.rounds),
        ingest(m).toFixed(3),
        (1 / roundSeconds).toFixed(2),
        ((1000 * m.transferSeconds) / m.rounds).toFixed(1),
        ((1000 * m.closeSeconds) / m.rounds).toFixed(1),
        ((1000 * m.ruleSeconds) / m.rounds).toFixed(1),
        `${((100 * m.closeSeconds) / (m.transferSeconds + m.closeSeconds)).toFixed(1)} %`,
        m.maxLagMs.toFixed(1),
        `${((100 * ingest(m)) / ingest(bare)).toFixed(0)} %`,
        m === bare ? '' : `${(roundsPerSecond(m) / roundsPerSecond(ps)).toFixed(2)}×`,
      ]);
    }
  }
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: readonly string[]) => cells.map((cell, column) => cell.padStart(widths[column]!)).join('  ');
  console.log(`${CLIENTS} client processes pushing 1 MiB chunks over 127.0.0.1; rule mean; transfer = first push sent to last acknowledged;`);
  console.log('agg+opt = last acknowledgement to the next round open (rule on its thread, optimizer, bookkeeping); loop delay = monitorEventLoopDelay max');
  console.log(`load average (1, 5, 15 min) before: ${loadBefore}; after: ${formatLoad()}`);
  console.log(line(header));
  for (const row of rows) console.log(line(row));
}

const formatLoad = (): string => loadavg().map((value) => value.toFixed(2)).join(' ');

class UsageError extends Error {}

function integers(flag: string, text: string, least: number): number[] {
  const values = text.split(',').map((part) => (/^\d+$/.test(part.trim()) ? Number(part) : NaN));
  if (values.some((value) => !Number.isSafeInteger(value) || value < least)) throw new UsageError(`--${flag} takes integers ≥ ${least} separated by commas, got "${text}"`);
  return values;
}

function single(flag: string, text: string, least: number): number {
  const values = integers(flag, text, least);
  if (values.length !== 1) throw new UsageError(`--${flag} takes one integer, got "${text}"`);
  return values[0]!;
}

/** The flags: undefined shards for the unsharded table. */
function parseOptions(argv: readonly string[]): { quick: boolean; help: boolean; sharded?: ShardedIngestOptions } {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        quick: { type: 'boolean' },
        shards: { type: 'string' },
        workers: { type: 'string' },
        rule: { type: 'string' },
        f: { type: 'string' },
        dimension: { type: 'string' },
        rounds: { type: 'string' },
        help: { type: 'boolean' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0]);
  }
  const quick = values.quick === true;
  if (values.shards === undefined) {
    const stray = (['workers', 'rule', 'f', 'dimension', 'rounds'] as const).filter((flag) => values[flag] !== undefined);
    if (stray.length > 0) throw new UsageError(`${stray.map((flag) => `--${flag}`).join(', ')} only apply with --shards; the unsharded table is fixed (8 clients, rule mean)`);
    return { quick, help: values.help === true };
  }
  const shards = integers('shards', values.shards, 1);
  const workers = single('workers', values.workers ?? '15', 1);
  const f = single('f', values.f ?? '1', 0);
  const rule = values.rule ?? 'flag';
  const dimensions = integers('dimension', values.dimension ?? '1000000', 1);
  const rounds = single('rounds', values.rounds ?? (quick ? '3' : '10'), 1);
  let needed: number;
  try {
    needed = new ShardCoordinator({ name: rule, f, params: {} }, 1).minInputs();
  } catch (error) {
    throw new UsageError(`--rule ${rule}, --f ${f}: ${(error as Error).message}`);
  }
  if (workers < needed) throw new UsageError(`--rule ${rule} with --f ${f} needs at least ${needed} workers, got --workers ${workers}`);
  for (const count of shards) {
    if (count > 64) throw new UsageError(`--shards takes at most 64 shards, got ${count}`);
    for (const dimension of dimensions) {
      try {
        alignedSlices(dimension, count);
      } catch (error) {
        throw new UsageError(`--shards ${count} with --dimension ${dimension}: ${(error as Error).message}`);
      }
    }
  }
  return { quick, help: values.help === true, sharded: { shards, workers, rule, f, dimensions, rounds } };
}

const usage = `Usage: npm run bench:ingest [-- --quick]
       npm run bench:ingest -- --shards 1,2,4 [--workers 15] [--rule flag] [--f 1] [--dimension 1000000,…] [--rounds 10] [--quick]`;

async function main(argv: readonly string[]): Promise<number> {
  let options: ReturnType<typeof parseOptions>;
  try {
    options = parseOptions(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`bench:ingest: ${error.message} (--help for usage)`);
    return 2;
  }
  if (options.help) {
    console.log(usage);
    return 0;
  }
  if (options.sharded === undefined) {
    await runUnsharded(options.quick);
    return 0;
  }
  try {
    await runShardedIngest(options.sharded);
  } catch (error) {
    if (!(error instanceof MissingBuildError)) throw error;
    console.error(`bench:ingest: ${error.message}`);
    return 1;
  }
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
