/**
 * Gradient ingest of the parameter server against a bare grpc-js server, in one run: 8 client
 * processes push d-dimensional gradients every round over 127.0.0.1, first to a bare server that
 * only receives the same Push stream, then to the parameter server (rule mean, n = 8), which
 * assembles, aggregates and steps, with float32 pushes and then with bfloat16 pushes (half the
 * bytes, widened by the server). Prints one table row per (server, encoding, d): ingest GB/s of
 * gradient values, rounds/s, the round split into transfer and aggregation+optimizer, and the
 * largest event-loop delay.
 * Usage: npm run bench:ingest [-- --quick]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Server, ServerCredentials, status } from '@grpc/grpc-js';
import { makeServerConfig } from '../config.js';
import { byzpsV1, type ParameterServerHandlers } from '../../proto/protocol.js';
import { startServer } from '../server.js';
import type { GradientEncoding } from '../../proto/tensor-encoding.js';
import { GRPC_TRANSPORT_OPTIONS } from '../../proto/transport.js';
import type { ClientMessage, CoordinatorMessage } from './ingest-protocol.js';

const CLIENTS = 8;
const quick = process.argv.includes('--quick');
const cases = [
  { dimension: 1_000_000, rounds: quick ? 4 : 12 },
  { dimension: 10_000_000, rounds: quick ? 2 : 4 },
];

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

/** Starts the client processes (TypeScript through tsx when the benchmark itself runs from sources). */
async function startClients(address: string, dimension: number, mode: 'ps' | 'bare', encoding: GradientEncoding): Promise<ChildProcess[]> {
  const fromSources = import.meta.url.endsWith('.ts');
  const script = new URL(fromSources ? './ingest-client.ts' : './ingest-client.js', import.meta.url);
  const clients = Array.from({ length: CLIENTS }, (_, i) =>
    fork(script, [address, String(dimension), mode, `bench-${i}`, encoding], { execArgv: fromSources ? ['--import', 'tsx'] : [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
  );
  await Promise.all(clients.map((client) => nextMessage(client, 'ready')));
  return clients;
}

function nextMessage(client: ChildProcess, kind: ClientMessage['kind']): Promise<ClientMessage> {
  return new Promise((resolve, reject) => {
    client.once('message', (message: ClientMessage) => {
      if (message.kind === kind) resolve(message);
      else reject(new Error(message.kind === 'failed' ? `a client failed: ${message.problem}` : `expected ${kind}, got ${message.kind}`));
    });
  });
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
    const pushed = clients.map((client) => nextMessage(client, 'pushed'));
    clients.forEach((client) => client.send({ kind: 'push', round } satisfies CoordinatorMessage));
    await Promise.all(pushed);
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
  const clients = await startClients(target.address, dimension, mode, encoding);
  try {
    return await measure(target, clients, rounds);
  } finally {
    clients.forEach((client) => client.send({ kind: 'stop' } satisfies CoordinatorMessage));
    await Promise.all(clients.map((client) => once(client, 'exit')));
    await target.close();
  }
}

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
console.log(line(header));
for (const row of rows) console.log(line(row));
