import { connect, constants } from 'node:http2';
import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from './cleanup.js';
import { pullRequest } from './protobuf-wire.js';
import { bearer, chunksOf, eventually, metricValue, scrape, ScriptedWorker, startTestServer, WORKER_TOKEN, type TestServer } from './server-harness.js';

const cleanup = cleanupAfterEach();

function worker(address: string): ScriptedWorker {
  return cleanup.add(new ScriptedWorker(address));
}

async function serverWith(overrides: Parameters<typeof startTestServer>[0]): Promise<TestServer> {
  return cleanup.add(await startTestServer(overrides));
}

const counted = async (port: number, name: string, labels: Record<string, string>) => metricValue(await scrape(port), name, labels);

describe('limits on what one client can hold', () => {
  it('refuses a second push stream for the same worker and round with ALREADY_EXISTS while the first goes on', async () => {
    const server = await serverWith({ dimension: 8 });
    const client = worker(server.address);
    const id = (await client.join('w')).workerId;
    const gradient = [1, 2, 3, 4, 5, 6, 7, 8];
    const [head, tail] = chunksOf(id, 0, gradient, 4);
    let firstReply: { accepted: boolean; round: number } | undefined;
    const first = client.client.push(bearer(WORKER_TOKEN), (error, reply) => {
      if (error === null) firstReply = reply;
    });
    first.write(head!);
    // The server has the first chunk (and so the worker's slot for round 0) once it counted its 16 bytes.
    await eventually(async () => (await counted(server.handle.httpPort, 'byzps_gradient_bytes_received_total', {})) === 16, 'the first chunk arrived', 5000);
    const second = await client.push(id, 0, gradient);
    expect(second).toMatchObject({ ok: false, code: status.ALREADY_EXISTS, details: expect.stringMatching(/already pushed \(or is pushing\)/) as unknown });
    first.write(tail!);
    first.end();
    await eventually(() => firstReply !== undefined, 'the first push is accepted', 5000);
    expect(firstReply).toEqual({ accepted: true, round: 0 });
    expect(await counted(server.handle.httpPort, 'byzps_gradients_rejected_total', { reason: 'duplicate' })).toBe(1);
  });

  it('holds at most one gradient buffer per worker: streams beyond it are refused before any buffer is taken, the rest cut at --push-timeout-ms', async () => {
    const server = await serverWith({ dimension: 1024, pushTimeoutMs: 1500 });
    const workers = 4;
    const streamsEach = 10;
    const client = worker(server.address);
    const ids = await Promise.all(Array.from({ length: workers }, async (_, k) => (await client.join(`half-${k}`)).workerId));
    const halves = ids.flatMap((id) => Array.from({ length: streamsEach }, () => client.pushChunks(chunksOf(id, 0, new Array<number>(512).fill(0.5), 256), { end: false })));
    const outcomes = await Promise.all(halves);
    const codes = outcomes.map((outcome) => (outcome.ok ? 'OK' : status[outcome.code]));
    expect(codes.filter((code) => code === 'ALREADY_EXISTS')).toHaveLength(workers * (streamsEach - 1));
    expect(codes.filter((code) => code === 'RESOURCE_EXHAUSTED')).toHaveLength(workers);
    expect(outcomes.filter((outcome) => !outcome.ok && /longer than 1500 ms \(--push-timeout-ms\)/.test(outcome.details))).toHaveLength(workers);
    const port = server.handle.httpPort;
    expect(await counted(port, 'byzps_gradients_rejected_total', { reason: 'duplicate' })).toBe(workers * (streamsEach - 1));
    expect(await counted(port, 'byzps_gradients_rejected_total', { reason: 'stream_timeout' })).toBe(workers);
    expect(server.handle.engine.receivedCount).toBe(0);
  });

  it('refuses a worker beyond --max-workers with RESOURCE_EXHAUSTED, and lets a known one join again', async () => {
    const server = await serverWith({ dimension: 4, maxWorkers: 2 });
    const client = worker(server.address);
    await client.join('a');
    await client.join('b');
    await expect(client.join('c')).rejects.toMatchObject({ code: status.RESOURCE_EXHAUSTED, details: expect.stringMatching(/2 workers have joined, the configured maximum/) as unknown });
    expect((await client.join('a')).workerId).toBe(1);
    expect(await counted(server.handle.httpPort, 'grpc_server_handled_total', { grpc_method: 'Join', grpc_code: 'RESOURCE_EXHAUSTED' })).toBe(1);
  });

  it('cuts off a pull whose client stops reading after --pull-timeout-ms', async () => {
    // θ of 32 MiB: more chunks than the server's stream buffers before it must wait for the client.
    const server = await serverWith({ dimension: 2 ** 23, pullTimeoutMs: 1000 });
    const id = (await worker(server.address).join('reader')).workerId;
    // A client that advertises a receive window of 0 bytes: the server cannot send it anything.
    const session = connect(`http://${server.address}`, { settings: { initialWindowSize: 0 } });
    cleanup.defer(() => { session.destroy(); });
    session.on('error', () => undefined);
    const request = session.request({
      [constants.HTTP2_HEADER_METHOD]: 'POST',
      [constants.HTTP2_HEADER_PATH]: '/byzps.v1.ParameterServer/Pull',
      'content-type': 'application/grpc',
      te: 'trailers',
      authorization: `Bearer ${WORKER_TOKEN}`,
    });
    request.on('error', () => undefined);
    const message = pullRequest(id);
    const frame = Buffer.alloc(5 + message.length);
    frame.writeUInt32BE(message.length, 1);
    message.copy(frame, 5);
    request.end(frame);
    const port = server.handle.httpPort;
    await eventually(async () => (await counted(port, 'grpc_server_handled_total', { grpc_method: 'Pull', grpc_code: 'RESOURCE_EXHAUSTED' })) === 1, 'the stalled pull is cut off', 20_000);
    expect(server.logLines.some((line) => line.includes('--pull-timeout-ms'))).toBe(true);
  });
});
