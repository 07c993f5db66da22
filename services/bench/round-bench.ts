/**
 * Round throughput of the parameter server over real gRPC on 127.0.0.1: n in-process workers push
 * d-dimensional gradients each round and pull θ back. Prints one table row per (rule, n, d).
 * Usage: npx tsx services/bench/round-bench.ts [--quick]
 */
import { credentials, Metadata } from '@grpc/grpc-js';
import { makeServerConfig } from '../config.js';
import { byzpsV1, type ParameterServerClient } from '../../proto/protocol.js';
import { startServer } from '../server.js';
import { tensorChunks } from '../../proto/tensor-chunks.js';

const TOKEN = 'bench';
const quick = process.argv.includes('--quick');
const cases: { rule: string; f: number; n: number; d: number }[] = [];
for (const d of quick ? [100_000, 1_000_000] : [100_000, 1_000_000, 4_000_000]) {
  for (const n of quick ? [4] : [4, 8]) {
    cases.push({ rule: 'mean', f: 0, n, d }, { rule: 'median', f: 1, n, d }, { rule: 'flag', f: 1, n, d });
  }
}
const ROUNDS = quick ? 3 : 5;

function metadata(): Metadata {
  const result = new Metadata();
  result.set('authorization', `Bearer ${TOKEN}`);
  return result;
}

function join(client: ParameterServerClient, name: string): Promise<number> {
  return new Promise((resolve, reject) => {
    client.join({ workerName: name }, metadata(), (error, reply) => {
      if (error !== null) reject(error);
      else resolve(reply!.workerId);
    });
  });
}

function push(client: ParameterServerClient, workerId: number, round: number, gradient: Float32Array): Promise<void> {
  return new Promise((resolve, reject) => {
    const call = client.push(metadata(), (error) => {
      if (error !== null) reject(error);
      else resolve();
    });
    for (const chunk of tensorChunks(gradient)) call.write({ workerId, round, offset: chunk.offset, data: chunk.data });
    call.end();
  });
}

/** Pulls θ and returns the round it belongs to. */
function pull(client: ParameterServerClient, workerId: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let round = -1;
    const stream = client.pull({ workerId }, metadata());
    stream.on('data', (chunk: { round: number }) => {
      round = chunk.round;
    });
    stream.on('error', reject);
    stream.on('end', () => {
      resolve(round);
    });
  });
}

async function measure(rule: string, f: number, n: number, d: number): Promise<{ msPerRound: number; pushMBps: number }> {
  const server = await startServer(makeServerConfig({ grpcHost: '127.0.0.1', grpcPort: 0, httpHost: '127.0.0.1', httpPort: 0, dimension: d, rule, f, workerToken: TOKEN, logLevel: 'warn' }));
  const clients = Array.from({ length: n }, () => new byzpsV1.ParameterServer(`127.0.0.1:${server.grpcPort}`, credentials.createInsecure()));
  try {
    const ids = await Promise.all(clients.map((client, k) => join(client, `w${k}`)));
    const gradients = ids.map((_, k) => Float32Array.from({ length: d }, (_, j) => Math.sin(j + k)));
    let pushSeconds = 0;
    let start = performance.now();
    // Round 0 warms up the JIT, the connections and the gradient memory; it is not timed.
    for (let round = 0; round <= ROUNDS; round++) {
      if (round === 1) {
        pushSeconds = 0;
        start = performance.now();
      }
      const pushStart = performance.now();
      // The last push of a round also waits for the aggregation, which runs before its reply.
      await Promise.all(clients.map((client, k) => push(client, ids[k]!, round, gradients[k]!)));
      pushSeconds += (performance.now() - pushStart) / 1000;
      const pulled = await Promise.all(clients.map((client, k) => pull(client, ids[k]!)));
      if (pulled.some((r) => r !== round + 1)) throw new Error(`round ${round} did not close`);
    }
    return { msPerRound: (performance.now() - start) / ROUNDS, pushMBps: (ROUNDS * n * d * 4) / 1e6 / pushSeconds };
  } finally {
    clients.forEach((client) => {
      client.close();
    });
    await server.close();
  }
}

console.log('| rule | n | d | ms/round (push + aggregate + pull) | push MB/s |');
console.log('|---|---|---|---|---|');
for (const { rule, f, n, d } of cases) {
  const { msPerRound, pushMBps } = await measure(rule, f, n, d);
  console.log(`| ${rule} | ${n} | ${d} | ${msPerRound.toFixed(1)} | ${pushMBps.toFixed(0)} |`);
}
