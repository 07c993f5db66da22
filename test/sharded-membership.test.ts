import { credentials, type Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { byzpsV1 } from '../proto/protocol.js';
import { bearer, float32Bytes, ScriptedWorker, startTestServer, type TestServer, WORKER_TOKEN } from './server-harness.js';
import { freePort } from '../runtime/free-port.js';

/**
 * One membership per round across shards: two shards of a sharded server in this process, and
 * scripted workers that push to both shards, or to one only. A push counts once every shard has
 * its range, so a worker whose push one shard lacks is left out of the round on every shard.
 */

/** The shards' admin token, which authorises their calls to each other. */
const ADMIN = 'membership-peers';
const D = 8192;
const CUT = 4096;

const servers: TestServer[] = [];
const workers: ScriptedWorker[] = [];
afterEach(async () => {
  for (const worker of workers.splice(0)) worker.close();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** Pushes `value` at every coordinate of the shard's range [start, end) for `round`. */
function pushRange(worker: ScriptedWorker, workerId: number, round: number, start: number, end: number, value: number) {
  return worker.pushChunks([{ workerId, round, offset: start, data: float32Bytes(new Float32Array(end - start).fill(value)) }]);
}

describe('the rounds of a sharded server', () => {
  it('closes each round on every shard with the same workers: those whose push every shard holds', async () => {
    const ports = [await freePort(), await freePort()];
    const peers = ports.map((port) => `127.0.0.1:${port}`);
    const shards = await Promise.all(
      ports.map((port, index) =>
        startTestServer({ grpcPort: port, task: 'synthetic', dimension: D, rule: 'mean', learningRate: 1, roundDeadlineMs: 800, shards: 2, shardIndex: index, shardPeers: peers, adminToken: ADMIN, logLevel: 'warn' }),
      ),
    );
    servers.push(...shards);
    const closed = shards.map(() => [] as { round: number; workers: string[]; byDeadline: boolean }[]);
    shards.forEach((shard, i) => {
      shard.handle.events.on('roundClosed', (event) => {
        closed[i]!.push({ round: event.round, workers: [...event.workerNames], byDeadline: event.closedByDeadline });
      });
    });
    const theta0 = [...shards.map((shard) => shard.handle.engine.parameters.slice())];

    // Each worker joins both shards; ids may differ between shards, names do not.
    const names = ['whole-a', 'whole-b', 'only-shard-1', 'only-shard-0'];
    const ids = await Promise.all(
      names.map(async (name) => {
        const connections = peers.map((address) => new ScriptedWorker(address, WORKER_TOKEN));
        workers.push(...connections);
        const joined = await Promise.all(connections.map((connection) => connection.join(name)));
        return { connections, ids: joined.map((reply) => reply.workerId) };
      }),
    );
    const push = (w: number, shard: number, value: number) => pushRange(ids[w]!.connections[shard]!, ids[w]!.ids[shard]!, 0, shard === 0 ? 0 : CUT, shard === 0 ? CUT : D, value);
    const outcomes = await Promise.all([push(0, 0, 1), push(0, 1, 1), push(1, 0, 3), push(1, 1, 3), push(2, 1, 100), push(3, 0, -100)]);
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);

    // Round 0 waited for all four (they joined during the first round), then closed at its deadline with the two whole pushes.
    await ids[0]!.connections[0]!.observe(1);
    await ids[0]!.connections[1]!.observe(1);
    expect(closed[0]).toEqual([{ round: 0, workers: ['whole-a', 'whole-b'], byDeadline: true }]);
    expect(closed[1]!.map(({ round, workers }) => ({ round, workers }))).toEqual([{ round: 0, workers: ['whole-a', 'whole-b'] }]);
    // θ₁ = θ₀ − 1·mean(1, 3) on both ranges: neither partial push moved any coordinate.
    shards.forEach((shard, i) => {
      const theta = shard.handle.engine.parameters;
      for (let j = 0; j < theta.length; j++) expect(theta[j]).toBe(Math.fround(theta0[i]![j]! - 2));
    });
    // The coordinator evicted the two workers whose push it never counted.
    expect(shards[0]!.handle.engine.workers().filter((worker) => worker.awaited).map((worker) => worker.name).sort()).toEqual(['whole-a', 'whole-b']);
  }, 30_000);
});

describe('ShardPeer, the shards\' internal service', () => {
  it('refuses every call without the admin token, and such calls change no round', async () => {
    const ports = [await freePort(), await freePort()];
    const peers = ports.map((port) => `127.0.0.1:${port}`);
    const shards = await Promise.all(
      ports.map((port, index) => startTestServer({ grpcPort: port, task: 'synthetic', dimension: D, rule: 'mean', shards: 2, shardIndex: index, shardPeers: peers, adminToken: ADMIN, logLevel: 'warn' })),
    );
    servers.push(...shards);
    const rewound: number[] = [];
    for (const shard of shards) shard.handle.events.on('roundRewound', ({ to }) => rewound.push(to));
    const calls: [string, string, object][] = [
      ['coordinator', 'announce', { shard: 1 }],
      ['coordinator', 'reportPush', { shard: 1, round: 0, workerName: 'forged', accepted: false }],
      ['member', 'describe', {}],
      ['member', 'rewind', { round: 0 }],
      ['member', 'step', { rule: 'mean', round: 0, step: 0, members: [], task: 'apply', applyKind: 'combine' }],
    ];
    for (const token of [undefined, WORKER_TOKEN, 'not-the-admin-token']) {
      for (const [target, method, request] of calls) {
        const client = new byzpsV1.ShardPeer(peers[target === 'coordinator' ? 0 : 1]!, credentials.createInsecure());
        const code = await new Promise<status>((resolve) => {
          (client as unknown as Record<string, (request: object, metadata: Metadata, callback: (error: ServiceError | null) => void) => void>)[method]!(request, bearer(token), (error) => {
            resolve(error?.code ?? status.OK);
          });
        });
        client.close();
        expect([status.UNAUTHENTICATED, status.PERMISSION_DENIED], `${method} with ${token ?? 'no token'}: ${status[code]}`).toContain(code);
      }
    }
    expect(rewound).toEqual([]);
    expect(shards.map((shard) => shard.handle.engine.round)).toEqual([0, 0]);
  }, 30_000);
});
