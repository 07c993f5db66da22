import { Writable } from 'node:stream';
import { type ChannelCredentials, type Client, credentials, makeClientConstructor, Metadata, type ServiceError } from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import { type Sample, scrapeMetrics } from '../cli/prometheus-text.js';
import { byzpsV1, type ControlClient, type GradientChunk, type ParameterServerClient } from '../proto/protocol.js';
import { makeServerConfig, type ServerConfig } from '../services/config.js';
import { type ServerHandle, startServer } from '../services/server.js';

export const WORKER_TOKEN = 'worker-secret-7f3a';
export const ADMIN_TOKEN = 'admin-secret-c91e';

/** A server on ephemeral 127.0.0.1 ports whose log lines are kept for inspection. */
export interface TestServer {
  readonly handle: ServerHandle;
  readonly address: string;
  readonly logLines: string[];
  close(): Promise<void>;
}

export async function startTestServer(overrides: Partial<ServerConfig> = {}): Promise<TestServer> {
  const logLines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(...chunk.toString('utf8').split('\n').filter((line) => line !== ''));
      done();
    },
  });
  const config = makeServerConfig({
    grpcHost: '127.0.0.1',
    grpcPort: 0,
    httpHost: '127.0.0.1',
    httpPort: 0,
    workerToken: WORKER_TOKEN,
    logLevel: 'debug',
    ...overrides,
  });
  const handle = await startServer(config, { logDestination: sink });
  return { handle, address: `127.0.0.1:${handle.grpcPort}`, logLines, close: () => handle.close() };
}

export function bearer(token: string | undefined): Metadata {
  const metadata = new Metadata();
  if (token !== undefined) metadata.set('authorization', `Bearer ${token}`);
  return metadata;
}

/** Little-endian float32 bytes of `values`, written with DataView, independent of the server's codec. */
export function float32Bytes(values: ArrayLike<number>): Buffer {
  const bytes = Buffer.alloc(values.length * 4);
  for (let i = 0; i < values.length; i++) bytes.writeFloatLE(values[i]!, i * 4);
  return bytes;
}

/** Chunks of a gradient as a well-behaved worker sends them: in order, `perChunk` values each. */
export function chunksOf(workerId: number, round: number, values: ArrayLike<number>, perChunk: number): GradientChunk[] {
  const chunks: GradientChunk[] = [];
  for (let offset = 0; offset < values.length; offset += perChunk) {
    const slice = Array.from({ length: Math.min(perChunk, values.length - offset) }, (_, i) => values[offset + i]!);
    chunks.push({ workerId, round, offset, data: float32Bytes(slice) });
  }
  return chunks;
}

export type PushOutcome = { ok: true; round: number } | { ok: false; code: number; details: string };

/** A scripted client that follows the protocol step by step, with hooks to break it on purpose. */
export class ScriptedWorker {
  readonly client: ParameterServerClient;

  constructor(address: string, private readonly token: string | undefined = WORKER_TOKEN, channel: ChannelCredentials = credentials.createInsecure()) {
    this.client = new byzpsV1.ParameterServer(address, channel);
  }

  join(name: string, token = this.token): Promise<{ workerId: number; task: string; dimension: number; round: number; maxChunkBytes: number }> {
    return new Promise((resolve, reject) => {
      this.client.join({ workerName: name }, bearer(token), (error, reply) => {
        if (error !== null || reply === undefined) reject(error ?? new Error('no reply'));
        else resolve(reply);
      });
    });
  }

  /** θ and its round, reassembled from the streamed chunks with DataView reads. */
  pull(workerId: number, minRound = 0): Promise<{ round: number; theta: Float32Array; faults: { kind: string; params: Record<string, string> }[] }> {
    return this.receiveModel(this.client.pull({ workerId, minRound }, bearer(this.token)));
  }

  /** θ and its round as an observer receives them: no worker id, no faults, no effect on rounds. */
  async observe(minRound = 0): Promise<{ round: number; theta: Float32Array }> {
    const { round, theta } = await this.receiveModel(this.client.observe({ minRound }, bearer(this.token)));
    return { round, theta };
  }

  private receiveModel(stream: ReturnType<ParameterServerClient['pull']>): Promise<{ round: number; theta: Float32Array; faults: { kind: string; params: Record<string, string> }[] }> {
    return new Promise((resolve, reject) => {
      let theta = new Float32Array(0);
      let round = -1;
      let faults: { kind: string; params: Record<string, string> }[] = [];
      stream.on('data', (chunk: { round: number; offset: number; data: Buffer; dimension: number; faults: typeof faults }) => {
        if (round === -1) {
          round = chunk.round;
          theta = new Float32Array(chunk.dimension);
          faults = chunk.faults;
        }
        for (let i = 0; i < chunk.data.length / 4; i++) theta[chunk.offset + i] = chunk.data.readFloatLE(i * 4);
      });
      stream.on('error', reject);
      stream.on('end', () => {
        resolve({ round, theta, faults });
      });
    });
  }

  /** Sends `chunks` on one Push stream; leaves the stream open when `end` is false. */
  pushChunks(chunks: readonly GradientChunk[], options: { end?: boolean; token?: string | undefined } = {}): Promise<PushOutcome> & { cancel(): void } {
    let cancel: () => void = () => undefined;
    const outcome = new Promise<PushOutcome>((resolve) => {
      const call = this.client.push(bearer('token' in options ? options.token : this.token), (error: ServiceError | null, reply) => {
        if (error !== null) resolve({ ok: false, code: error.code, details: error.details });
        else resolve({ ok: true, round: reply!.round });
      });
      cancel = () => {
        call.cancel();
      };
      for (const chunk of chunks) call.write(chunk);
      if (options.end !== false) call.end();
    });
    return Object.assign(outcome, { cancel: () => { cancel(); } });
  }

  push(workerId: number, round: number, gradient: ArrayLike<number>, perChunk = 4096): Promise<PushOutcome> {
    return this.pushChunks(chunksOf(workerId, round, gradient, perChunk));
  }

  close(): void {
    this.client.close();
  }
}

export function controlClient(address: string): ControlClient {
  return new byzpsV1.Control(address, credentials.createInsecure());
}

/** Calls a unary Control method and returns its reply or its status. */
export function callControl<Reply>(
  invoke: (metadata: Metadata, callback: (error: ServiceError | null, reply?: Reply) => void) => unknown,
  token: string | undefined,
): Promise<{ ok: true; reply: Reply } | { ok: false; code: number; details: string }> {
  return new Promise((resolve) => {
    invoke(bearer(token), (error, reply) => {
      if (error !== null) resolve({ ok: false, code: error.code, details: error.details });
      else resolve({ ok: true, reply: reply! });
    });
  });
}

/** Waits (bounded) until `condition` holds, polling every `intervalMs`; fails with `what` when it never does. */
export async function eventually(condition: () => boolean | Promise<boolean>, what: string, limitMs = 10_000, intervalMs = 10): Promise<void> {
  const start = Date.now();
  while (!(await condition())) {
    if (Date.now() - start > limitMs) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Runs `count` tasks, at most `concurrency` at a time, each given its index. */
export async function pool(count: number, concurrency: number, task: (index: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) await task(next++);
  }));
}

export { metricValue } from '../cli/prometheus-text.js';

/** The samples of a server's or worker's /metrics on 127.0.0.1. */
export function scrape(httpPort: number): Promise<Sample[]> {
  return scrapeMetrics(`http://127.0.0.1:${httpPort}/metrics`);
}

/** A client of the standard gRPC health service (grpc.health.v1.Health). */
export class HealthClient {
  private readonly client: Client & { check(request: { service: string }, callback: (error: ServiceError | null, reply?: { status: string }) => void): void };

  constructor(address: string) {
    const Health = makeClientConstructor(healthService, 'grpc.health.v1.Health') as unknown as new (address: string, creds: ChannelCredentials) => HealthClient['client'];
    this.client = new Health(address, credentials.createInsecure());
  }

  /** The serving status of `service` ('' for the whole server). */
  check(service: string): Promise<string | undefined> {
    return new Promise((resolve, reject) => {
      this.client.check({ service }, (error, reply) => {
        if (error === null) resolve(reply?.status);
        else reject(error);
      });
    });
  }

  close(): void {
    this.client.close();
  }
}
