import { connect } from 'node:http2';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grpcMessage } from './http2-frames.js';
import { bytesField, gradientChunk, joinRequest, pullRequest } from './protobuf-wire.js';
import { type RawCall, RawGrpcClient, type RawOutcome } from './raw-grpc-client.js';
import { ADMIN_TOKEN, eventually, float32Bytes, metricValue, scrape, ScriptedWorker, startTestServer, type TestServer, WORKER_TOKEN } from './server-harness.js';

/** A small chunk limit, so that chunks the push handler refuses and messages grpc-js refuses are both cheap to send. */
const MAX_CHUNK_BYTES = 64;
/** Beyond the transport's limit (the chunk limit plus 64 KiB of framing room): grpc-js refuses it before any handler. */
const TOO_LARGE = Buffer.alloc(MAX_CHUNK_BYTES + 64 * 1024 + 1);
/** Field 2, wire type 7 (there is none): no protobuf decoder accepts it. */
const UNDECODABLE = Buffer.from([0x17, 0x01, 0x02]);
const DIMENSION = 8;
const PS = '/byzps.v1.ParameterServer/';
const CONTROL = '/byzps.v1.Control/';

let server: TestServer;
let raw: RawGrpcClient;
let worker: ScriptedWorker;

beforeAll(async () => {
  server = await startTestServer({ dimension: DIMENSION, maxChunkBytes: MAX_CHUNK_BYTES, adminToken: ADMIN_TOKEN, logLevel: 'warn' });
  raw = new RawGrpcClient(server.address);
  worker = new ScriptedWorker(server.address);
});

afterAll(async () => {
  raw.close();
  worker.close();
  await server.close();
});

/** The counters refusals move, as short names ("refused Join malformed", "rejected cancelled", "handled Push OK") with their values. */
async function counters(): Promise<Map<string, number>> {
  const values = new Map<string, number>();
  for (const sample of await scrape(server.handle.httpPort)) {
    const { labels } = sample;
    if (sample.name === 'byzps_requests_refused_total') values.set(`refused ${labels.grpc_method} ${labels.reason}`, sample.value);
    else if (sample.name === 'byzps_gradients_rejected_total') values.set(`rejected ${labels.reason}`, sample.value);
    else if (sample.name === 'grpc_server_handled_total') values.set(`handled ${labels.grpc_method} ${labels.grpc_code}`, sample.value);
    else if (sample.name === 'byzps_gradients_received_total') values.set('accepted', sample.value);
  }
  return values;
}

function changes(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...after].filter(([name, value]) => value !== (before.get(name) ?? 0)).map(([name, value]) => [name, value - (before.get(name) ?? 0)]));
}

/** Pushes the push handler has finished, whatever their status. */
function pushesHandled(values: Map<string, number>): number {
  return [...values].filter(([name]) => name.startsWith('handled Push ')).reduce((sum, [, value]) => sum + value, 0);
}

/**
 * Makes one call and returns its outcome and the counters it moved. The push handler settles a
 * moment after the caller has its status, so for pushes the counters are read once it has; calls
 * refused before any handler are counted before their status is sent.
 */
async function callAndCount(call: Omit<RawCall, 'token'> & { token?: string }): Promise<{ outcome: RawOutcome; moved: Record<string, number> }> {
  const before = await counters();
  const outcome = await raw.call({ token: WORKER_TOKEN, ...call }, 10_000);
  if (call.path.endsWith('/Push')) await eventually(async () => pushesHandled(await counters()) > pushesHandled(before), 'the push handler settles', 10_000, 20);
  return { outcome, moved: changes(before, await counters()) };
}

async function joined(name: string): Promise<number> {
  return (await worker.join(name)).workerId;
}

describe('calls refused before or below their handler are counted once each', () => {
  it('a request message beyond the transport limit, on a unary, a server-streaming and a Control method, and on the health service', async () => {
    const cases: [string, RawCall['kind'], Buffer, string, string | undefined][] = [
      [`${PS}Join`, 'unary', joinRequest('x'.repeat(TOO_LARGE.length)), 'refused Join message_too_large', WORKER_TOKEN],
      [`${PS}Pull`, 'server_stream', Buffer.concat([pullRequest(0), bytesField(15, TOO_LARGE)]), 'refused Pull message_too_large', WORKER_TOKEN],
      [`${CONTROL}Status`, 'unary', bytesField(1, TOO_LARGE), 'refused Status message_too_large', ADMIN_TOKEN],
      ['/grpc.health.v1.Health/Check', 'unary', bytesField(1, TOO_LARGE), 'refused Check message_too_large', undefined],
    ];
    for (const [path, kind, message, counter, token] of cases) {
      const { outcome, moved } = await callAndCount({ path, kind, messages: [message], token });
      expect(outcome.code, path).toBe(status.RESOURCE_EXHAUSTED);
      expect(outcome.details).toMatch(/Received message larger than max/);
      expect(moved, path).toEqual({ [counter]: 1 });
    }
  });

  it('an undecodable request body, refused with INVALID_ARGUMENT, on every byzps method kind', async () => {
    const cases: [string, RawCall['kind'], string, string][] = [
      [`${PS}Join`, 'unary', 'refused Join malformed', WORKER_TOKEN],
      [`${PS}Pull`, 'server_stream', 'refused Pull malformed', WORKER_TOKEN],
      [`${CONTROL}SetRule`, 'unary', 'refused SetRule malformed', ADMIN_TOKEN],
      [`${CONTROL}Status`, 'unary', 'refused Status malformed', ADMIN_TOKEN],
    ];
    for (const [path, kind, counter, token] of cases) {
      const { outcome, moved } = await callAndCount({ path, kind, messages: [UNDECODABLE], token });
      expect(outcome.code, path).toBe(status.INVALID_ARGUMENT);
      expect(outcome.details).toMatch(/does not decode/);
      expect(moved, path).toEqual({ [counter]: 1 });
    }
  });

  it('a push whose first chunk is too large or undecodable: one rejection with the reason, not also a cancel', async () => {
    const id = await joined('refused-first');
    const round = server.handle.engine.round;
    const tooLarge = await callAndCount({ path: `${PS}Push`, kind: 'client_stream', messages: [gradientChunk(id, round, 0, TOO_LARGE)] });
    expect(tooLarge.outcome.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(tooLarge.moved).toEqual({ 'rejected chunk_too_large': 1, 'handled Push RESOURCE_EXHAUSTED': 1 });
    const undecodable = await callAndCount({ path: `${PS}Push`, kind: 'client_stream', messages: [UNDECODABLE] });
    expect(undecodable.outcome.code).toBe(status.INVALID_ARGUMENT);
    expect(undecodable.moved).toEqual({ 'rejected malformed': 1, 'handled Push INVALID_ARGUMENT': 1 });
  });

  it('a push refused at its second chunk gives back the worker’s slot: the same worker then pushes the round', async () => {
    const id = await joined('refused-second');
    const round = server.handle.engine.round;
    const firstHalf = gradientChunk(id, round, 0, float32Bytes([1, 2, 3, 4]));
    const refused = await callAndCount({ path: `${PS}Push`, kind: 'client_stream', messages: [firstHalf, gradientChunk(id, round, 4, TOO_LARGE)] });
    expect(refused.outcome.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(refused.moved).toEqual({ 'rejected chunk_too_large': 1, 'handled Push RESOURCE_EXHAUSTED': 1 });
    const again = await callAndCount({ path: `${PS}Push`, kind: 'client_stream', messages: [firstHalf, gradientChunk(id, round, 4, float32Bytes([5, 6, 7, 8]))] });
    expect(again.outcome.code).toBe(status.OK);
    expect(again.moved).toEqual({ accepted: 1, 'handled Push OK': 1 });
  });

  it('leaves the handlers’ own refusals and a worker disconnecting mid-push counted as before, once', async () => {
    const id = await joined('handler-refusals');
    const round = server.handle.engine.round;
    // Above --max-chunk-bytes but within the transport's room: the push handler refuses it.
    const big = await callAndCount({ path: `${PS}Push`, kind: 'client_stream', messages: [gradientChunk(id, round, 0, float32Bytes(new Array<number>(MAX_CHUNK_BYTES / 4 + 1).fill(1)))] });
    expect(big.outcome.details).toMatch(/exceeds the limit of 64 bytes/);
    expect(big.moved).toEqual({ 'rejected chunk_too_large': 1, 'handled Push RESOURCE_EXHAUSTED': 1 });

    const bytesReceived = async () => metricValue(await scrape(server.handle.httpPort), 'byzps_gradient_bytes_received_total');
    const bytesBefore = await bytesReceived();
    const before = await counters();
    // A worker that disconnects mid-push, its first chunk sent.
    const session = connect(`http://${server.address}`);
    session.on('error', () => undefined);
    const push = session.request({ ':method': 'POST', ':path': `${PS}Push`, 'content-type': 'application/grpc', te: 'trailers', authorization: `Bearer ${WORKER_TOKEN}` });
    push.on('error', () => undefined);
    push.write(grpcMessage(gradientChunk(id, round, 0, float32Bytes([1, 2, 3, 4]))));
    await eventually(async () => (await bytesReceived()) === bytesBefore + 16, 'the first chunk arrives', 10_000, 20);
    session.destroy();
    await eventually(async () => pushesHandled(await counters()) > pushesHandled(before), 'the push handler settles', 10_000, 20);
    // Node ends the request stream of a dropped connection before it reports the close, so the
    // handler sees a push that ended short (wrong_length today) rather than a cancel; once either way.
    const moved = changes(before, await counters());
    expect(Object.entries(moved).filter(([name]) => name.startsWith('rejected ')), JSON.stringify(moved)).toHaveLength(1);
    expect(Object.values(moved).every((value) => value === 1), JSON.stringify(moved)).toBe(true);
    expect(Object.keys(moved).filter((name) => name.startsWith('refused ') || /chunk_too_large|malformed/.test(name))).toEqual([]);
  });

  it('does not touch well-formed calls', async () => {
    const before = await counters();
    const id = await joined('well-formed');
    const pulled = await worker.pull(id);
    const pushed = await worker.push(id, pulled.round, [1, 2, 3, 4, 5, 6, 7, 8], 4);
    const statusCall = await raw.call({ path: `${CONTROL}Status`, kind: 'unary', messages: [Buffer.alloc(0)], token: ADMIN_TOKEN }, 10_000);
    expect(pushed).toMatchObject({ ok: true });
    expect(statusCall.code).toBe(status.OK);
    await eventually(async () => (await counters()).get('handled Status OK') !== before.get('handled Status OK'), 'the Status call is counted', 10_000, 20);
    expect(changes(before, await counters())).toEqual({ accepted: 1, 'handled Join OK': 1, 'handled Pull OK': 1, 'handled Push OK': 1, 'handled Status OK': 1 });
  });
});
