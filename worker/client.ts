import { type ChannelCredentials, Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { byzpsV1, type GradientChunk, type ModelChunk__Output, type ParameterServerClient } from '../proto/protocol.js';
import type { Instruction } from './faults.js';

/** A call the server refused or that failed in transport, with its gRPC status code. */
export class RpcError extends Error {
  override readonly name = 'RpcError';
  constructor(readonly code: status, readonly details: string, readonly method: string) {
    super(`${method} failed with ${status[code]}: ${details}`);
  }
}

export interface JoinInfo {
  readonly workerId: number;
  readonly task: string;
  readonly dimension: number;
  readonly round: number;
  readonly maxChunkBytes: number;
  /** Longest the server holds a Pull for its round before ending it with DEADLINE_EXCEEDED. */
  readonly pullWaitMs: number;
  /** The encodings Push accepts, as the proto names them. */
  readonly gradientEncodings: readonly string[];
  /** A sharded server's shards, in index order, with the coordinates each owns; empty when unsharded. */
  readonly shards: readonly { readonly index: number; readonly address: string; readonly start: number; readonly end: number }[];
}

export interface PulledModel {
  readonly round: number;
  readonly theta: Float32Array;
  /** Instructions an operator queued for this worker. */
  readonly instructions: Instruction[];
}

function toRpcError(error: ServiceError, method: string): RpcError {
  return new RpcError(error.code, error.details, method);
}

/** The worker's side of the ParameterServer service: one channel, the worker token on every call, deadlines on every call. */
export class ParameterServerConnection {
  private readonly client: ParameterServerClient;
  /** Calls in flight, so that cancel() can end them at once. */
  private readonly inFlight = new Set<{ cancel(): void }>();

  constructor(
    address: string,
    channel: ChannelCredentials,
    private readonly token: string,
    private readonly callTimeoutMs: number,
  ) {
    // Workers reconnect themselves with backoff; gRPC's own retries would hide the outage from them.
    // A connection of its own: workers hosted in one process must not share one connection's
    // stream limit (proto/transport.ts) and flow-control window, each holding a long-poll Pull open.
    this.client = new byzpsV1.ParameterServer(address, channel, { 'grpc.enable_retries': 0, 'grpc.use_local_subchannel_pool': 1 });
  }

  private metadata(): Metadata {
    const metadata = new Metadata();
    if (this.token !== '') metadata.set('authorization', `Bearer ${this.token}`);
    return metadata;
  }

  /** The deadline of a call that may first wait `waitMs` on the server. */
  private deadline(waitMs = 0): Date {
    return new Date(Date.now() + waitMs + this.callTimeoutMs);
  }

  /** Registers a call until it settles. */
  private track<T extends { cancel(): void }>(call: T, settled: Promise<unknown>): T {
    this.inFlight.add(call);
    void settled.catch(() => undefined).finally(() => this.inFlight.delete(call));
    return call;
  }

  join(name: string): Promise<JoinInfo> {
    let call: { cancel(): void } | undefined;
    const reply = new Promise<JoinInfo>((resolve, reject) => {
      call = this.client.join({ workerName: name }, this.metadata(), { deadline: this.deadline() }, (error, joined) => {
        if (error !== null) reject(toRpcError(error, 'Join'));
        else resolve(joined!);
      });
    });
    this.track(call!, reply);
    return reply;
  }

  /**
   * θ of the open round once it is ≥ `minRound` (a long poll of at most `waitMs` on the server),
   * reassembled from its chunks, with the instructions of the first chunk.
   */
  pull(workerId: number, minRound: number, waitMs: number): Promise<PulledModel> {
    const stream = this.client.pull({ workerId, minRound }, this.metadata(), { deadline: this.deadline(waitMs) });
    const model = new Promise<PulledModel>((resolve, reject) => {
      let theta: Float32Array | undefined;
      let bytes: Uint8Array | undefined;
      let round = 0;
      const instructions: Instruction[] = [];
      stream.on('data', (chunk: ModelChunk__Output) => {
        if (theta === undefined) {
          round = chunk.round;
          theta = new Float32Array(chunk.dimension);
          bytes = new Uint8Array(theta.buffer);
          instructions.push(...chunk.faults.map((fault) => ({ kind: fault.kind, params: fault.params })));
        }
        // Wire bytes are little-endian float32, as is every platform Node runs on, so a byte copy decodes them.
        bytes!.set(chunk.data, chunk.offset * 4);
      });
      stream.on('error', (error: ServiceError) => {
        reject(toRpcError(error, 'Pull'));
      });
      stream.on('end', () => {
        if (theta === undefined) reject(new RpcError(status.INTERNAL, 'the server sent no model chunk', 'Pull'));
        else resolve({ round, theta, instructions });
      });
    });
    this.track(stream, model);
    return model;
  }

  /** Streams one gradient as the given chunks and resolves with the round the server accepted it for. */
  push(chunks: Iterable<GradientChunk>): Promise<number> {
    let call: ReturnType<ParameterServerClient['push']> | undefined;
    const accepted = new Promise<number>((resolve, reject) => {
      call = this.client.push(this.metadata(), { deadline: this.deadline() }, (error, reply) => {
        if (error !== null) reject(toRpcError(error, 'Push'));
        else resolve(reply!.round);
      });
    });
    this.track(call!, accepted);
    for (const chunk of chunks) call!.write(chunk);
    call!.end();
    return accepted;
  }

  /** Ends every call in flight with CANCELLED, so a stopping worker does not wait for their deadlines. */
  cancel(): void {
    for (const call of this.inFlight) call.cancel();
  }

  close(): void {
    this.client.close();
  }
}
