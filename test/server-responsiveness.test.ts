import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GradientChunk } from '../proto/protocol.js';
import { ADMIN_TOKEN, callControl, controlClient, HealthClient, ScriptedWorker, startTestServer, type TestServer } from './server-harness.js';

const WORKERS = 5;
/** Large enough that NNM and a median over its (plain-loop) mixed rows take a good fraction of a second. */
const DIMENSION = 2_000_000;
const CHUNK_VALUES = 200_000;

/** A gradient of constant value `value`, chunked straight from a Float32Array. */
function constantChunks(workerId: number, value: number): GradientChunk[] {
  const bytes = Buffer.from(new Float32Array(DIMENSION).fill(value).buffer);
  const chunks: GradientChunk[] = [];
  for (let offset = 0; offset < DIMENSION; offset += CHUNK_VALUES) {
    chunks.push({ workerId, round: 0, offset, data: bytes.subarray(offset * 4, Math.min(DIMENSION, offset + CHUNK_VALUES) * 4) });
  }
  return chunks;
}

describe('a long aggregation runs off the event loop', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ dimension: DIMENSION, adminToken: ADMIN_TOKEN, logLevel: 'info' });
  });
  afterAll(async () => {
    await server.close();
  });

  it('answers /healthz and the gRPC health check while the round is still being aggregated', async () => {
    const control = controlClient(server.address);
    const rule = { name: 'median', f: 1, params: {}, pre: [{ name: 'nnm', params: {} }] };
    expect((await callControl((metadata, done) => control.setRule({ rule }, metadata, done), ADMIN_TOKEN)).ok).toBe(true);
    control.close();
    const worker = new ScriptedWorker(server.address);
    const health = new HealthClient(server.address);
    const ids = await Promise.all(Array.from({ length: WORKERS }, (_, i) => worker.join(`w${i}`).then((joined) => joined.workerId)));

    const events: string[] = [];
    const roundClosed = new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (server.handle.engine.round === 1) {
          events.push('round closed');
          clearInterval(poll);
          resolve();
        }
      }, 1);
    });
    // The last push completes the round: from its reply on, the rule is at work until round 1 opens.
    await Promise.all(ids.map((id, i) => worker.pushChunks(constantChunks(id, i + 1))));
    events.push('pushes done');
    const healthz = fetch(`http://127.0.0.1:${server.handle.httpPort}/healthz`).then((response) => {
      events.push(`healthz ${response.status}`);
    });
    const grpcHealth = health.check('').then((status) => {
      events.push(`health ${status}`);
    });
    await Promise.all([healthz, grpcHealth, roundClosed]);
    worker.close();
    health.close();

    expect(events[0]).toBe('pushes done');
    expect(events.slice(1, 3).sort()).toEqual(['health SERVING', 'healthz 200']);
    expect(events[3]).toBe('round closed');
  });
});
