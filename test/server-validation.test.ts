import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GradientChunk } from '../proto/protocol.js';
import {
  chunksOf,
  eventually,
  float32Bytes,
  metricValue,
  type PushOutcome,
  scrape,
  ScriptedWorker,
  startTestServer,
  type TestServer,
} from './server-harness.js';

const D = 8;
const MAX_CHUNK_BYTES = 64;

let server: TestServer;
let client: ScriptedWorker;
let victim: number;
let other: number;
let thetaBefore: Float32Array;

beforeAll(async () => {
  server = await startTestServer({ dimension: D, maxChunkBytes: MAX_CHUNK_BYTES, pushTimeoutMs: 1000, roundDeadlineMs: 60_000 });
  client = new ScriptedWorker(server.address);
  victim = (await client.join('victim')).workerId;
  other = (await client.join('other')).workerId;
  thetaBefore = server.handle.engine.parameters.slice();
});

afterAll(async () => {
  client.close();
  await server.close();
});

const good = [1, 2, 3, 4, 5, 6, 7, 8];

/** Runs a bad push and checks its status, its counted reason, and that θ and the round did not move. */
async function expectRejected(push: () => Promise<PushOutcome>, code: status, reason: string, details: RegExp): Promise<void> {
  const before = metricValue(await scrape(server.handle.httpPort), 'byzps_gradients_rejected_total', { reason });
  const outcome = await push();
  expect(outcome).toMatchObject({ ok: false, code });
  if (!outcome.ok) expect(outcome.details).toMatch(details);
  const after = metricValue(await scrape(server.handle.httpPort), 'byzps_gradients_rejected_total', { reason });
  expect(after - before).toBe(1);
  expect(server.handle.engine.round).toBe(0);
  expect(Buffer.from(server.handle.engine.parameters.buffer).equals(Buffer.from(thetaBefore.buffer))).toBe(true);
  expect(server.handle.engine.receivedCount).toBe(0);
}

describe('push validation over gRPC', () => {
  it('rejects a gradient of the wrong length with INVALID_ARGUMENT', async () => {
    await expectRejected(() => client.push(victim, 0, good.slice(0, 7)), status.INVALID_ARGUMENT, 'wrong_length', /7 values, expected d = 8/);
  });

  it('rejects NaN and Inf with INVALID_ARGUMENT and the coordinate', async () => {
    await expectRejected(() => client.push(victim, 0, [1, 2, NaN, 4, 5, 6, 7, 8]), status.INVALID_ARGUMENT, 'non_finite', /NaN\) at coordinate 2/);
    await expectRejected(() => client.push(victim, 0, [1, 2, 3, 4, 5, 6, 7, Infinity]), status.INVALID_ARGUMENT, 'non_finite', /Infinity\) at coordinate 7/);
  });

  it('rejects a push for a round that has not started with FAILED_PRECONDITION', async () => {
    await expectRejected(() => client.push(victim, 1, good), status.FAILED_PRECONDITION, 'future_round', /round 1 has not started/);
  });

  it('rejects a worker id Join never handed out with NOT_FOUND', async () => {
    await expectRejected(() => client.push(77, 0, good), status.NOT_FOUND, 'unknown_worker', /worker id 77 has not joined; call Join first/);
  });

  it('rejects a missing or wrong token with UNAUTHENTICATED', async () => {
    await expectRejected(() => client.pushChunks(chunksOf(victim, 0, good, 8), { token: undefined }), status.UNAUTHENTICATED, 'missing_token', /no bearer token/);
    await expectRejected(() => client.pushChunks(chunksOf(victim, 0, good, 8), { token: 'guess' }), status.UNAUTHENTICATED, 'bad_token', /not the worker token/);
    const stranger = new ScriptedWorker(server.address, 'guess');
    await expect(stranger.join('stranger')).rejects.toMatchObject({ code: status.UNAUTHENTICATED });
    stranger.close();
  });

  it('rejects overlapping and out-of-range chunk offsets with INVALID_ARGUMENT', async () => {
    const overlapping: GradientChunk[] = [
      { workerId: victim, round: 0, offset: 0, data: float32Bytes([1, 2, 3, 4]) },
      { workerId: victim, round: 0, offset: 3, data: float32Bytes([4, 5, 6]) },
    ];
    await expectRejected(() => client.pushChunks(overlapping), status.INVALID_ARGUMENT, 'chunk_overlap', /overlaps coordinates \[3, 4\)/);
    const outside: GradientChunk[] = [
      { workerId: victim, round: 0, offset: 0, data: float32Bytes([1, 2, 3, 4]) },
      { workerId: victim, round: 0, offset: 6, data: float32Bytes([7, 8, 9, 10]) },
    ];
    await expectRejected(() => client.pushChunks(outside), status.INVALID_ARGUMENT, 'chunk_out_of_range', /\[6, 10\) outside \[0, 8\)/);
  });

  it('rejects chunks that change worker or round mid-stream with INVALID_ARGUMENT', async () => {
    const mixed = [...chunksOf(victim, 0, good.slice(0, 4), 4), { workerId: other, round: 0, offset: 4, data: float32Bytes([5, 6, 7, 8]) }];
    await expectRejected(() => client.pushChunks(mixed), status.INVALID_ARGUMENT, 'inconsistent_chunk', /the stream began with worker/);
  });

  it('cuts off a stream that sends more than d values with RESOURCE_EXHAUSTED', async () => {
    const tooMany = [...chunksOf(victim, 0, good, 8), { workerId: victim, round: 0, offset: 0, data: float32Bytes([1]) }];
    await expectRejected(() => client.pushChunks(tooMany), status.RESOURCE_EXHAUSTED, 'stream_too_long', /more than d = 8 values/);
  });

  it('cuts off an oversize chunk with RESOURCE_EXHAUSTED', async () => {
    const big = Array.from({ length: MAX_CHUNK_BYTES / 4 + 1 }, () => 1);
    await expectRejected(() => client.pushChunks([{ workerId: victim, round: 0, offset: 0, data: float32Bytes(big) }]), status.RESOURCE_EXHAUSTED, 'chunk_too_large', /68 bytes exceeds the limit of 64/);
  });

  it('cuts off a stream that never ends with RESOURCE_EXHAUSTED at the push timeout', async () => {
    await expectRejected(() => client.pushChunks(chunksOf(victim, 0, good.slice(0, 4), 4), { end: false }), status.RESOURCE_EXHAUSTED, 'stream_timeout', /longer than 1000 ms/);
  });

  it('accepts the victim afterwards, then rejects its second push as duplicate and a closed round as stale', async () => {
    expect(await client.push(victim, 0, good)).toEqual({ ok: true, round: 0 });
    const beforeDuplicate = metricValue(await scrape(server.handle.httpPort), 'byzps_gradients_rejected_total', { reason: 'duplicate' });
    expect(await client.push(victim, 0, good)).toMatchObject({ ok: false, code: status.ALREADY_EXISTS });
    expect(metricValue(await scrape(server.handle.httpPort), 'byzps_gradients_rejected_total', { reason: 'duplicate' }) - beforeDuplicate).toBe(1);
    expect(server.handle.engine.round).toBe(0);
    expect(await client.push(other, 0, good.map((value) => -value))).toEqual({ ok: true, round: 0 });
    // mean of g and −g is 0: θ stays where it was, but the round moves on once the rule (on its thread) is done.
    await eventually(() => server.handle.engine.round === 1, 'round 0 closes');
    const pulled = await client.pull(victim);
    expect(pulled.round).toBe(1);
    expect(Array.from(pulled.theta)).toEqual(Array.from(thetaBefore));
    const stale = await client.push(victim, 0, good);
    expect(stale).toMatchObject({ ok: false, code: status.FAILED_PRECONDITION });
    if (!stale.ok) expect(stale.details).toMatch(/round 0 is closed; the open round is 1/);
  });
});
