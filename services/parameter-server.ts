import { type Metadata, type ServerWritableStream, status } from '@grpc/grpc-js';
import type { GradientChunk__Output, ModelChunk, ParameterServerHandlers, PullRequest__Output } from '../proto/protocol.js';
import { MAX_CHUNK_BYTES, tensorChunks } from '../proto/tensor-chunks.js';
import type { Logger } from '../runtime/logger.js';
import type { ServerMetrics } from '../runtime/metrics.js';
import type { WorkerAuthenticator } from './auth.js';
import { transportRefusal } from './call-refusals.js';
import { CancelledError, InvalidGradientError, LimitExceededError, ShuttingDownError } from './errors.js';
import type { FaultQueue } from './faults.js';
import { toServiceError, trackCall } from './grpc-calls.js';
import { GradientAssembly, type GradientBuffers } from './ingest.js';
import type { PushLease, RoundEngine } from './round.js';

const SERVICE = 'byzps.v1.ParameterServer';

/** What the worker-facing handlers need from the server. */
export interface ParameterServerContext {
  readonly engine: RoundEngine;
  readonly taskName: string;
  readonly dimension: number;
  readonly workerAuth: WorkerAuthenticator;
  readonly maxChunkBytes: number;
  readonly pushTimeoutMs: number;
  readonly pullTimeoutMs: number;
  readonly buffers: GradientBuffers;
  readonly faults: FaultQueue;
  readonly metrics: ServerMetrics;
  readonly log: Logger;
  readonly isShuttingDown: () => boolean;
}

/**
 * The ParameterServer service's handlers: each authenticates, translates the messages and calls
 * the round engine; every failure leaves through the one status mapping.
 */
export function parameterServerHandlers(context: ParameterServerContext): ParameterServerHandlers {
  const { engine, metrics, log } = context;

  const admit = (metadata: Metadata) => {
    if (context.isShuttingDown()) throw new ShuttingDownError();
    context.workerAuth.admit(metadata);
  };

  return {
    Join(call, callback) {
      const finish = trackCall(metrics, SERVICE, 'Join', 'unary');
      try {
        admit(call.metadata);
        context.workerAuth.authorizeAs(call.metadata, call.request.workerName);
        const joined = engine.join(call.request.workerName);
        log.info({ worker: call.request.workerName, workerId: joined.workerId }, 'worker joined');
        callback(null, { workerId: joined.workerId, task: context.taskName, dimension: context.dimension, round: joined.round, maxChunkBytes: context.maxChunkBytes });
        finish(status.OK);
      } catch (error) {
        // Refused joins and pulls show in grpc_server_handled_total; the rejection counter is for gradients.
        const serviceError = toServiceError(error, metrics, log, false);
        callback(serviceError);
        finish(serviceError.code);
      }
    },

    Pull(call) {
      const finish = trackCall(metrics, SERVICE, 'Pull', 'server_stream');
      const fail = (error: unknown) => {
        const serviceError = toServiceError(error, metrics, log, false);
        call.emit('error', serviceError);
        finish(serviceError.code);
      };
      try {
        admit(call.metadata);
        context.workerAuth.authorizeAs(call.metadata, engine.workerName(call.request.workerId));
      } catch (error) {
        fail(error);
        return;
      }
      streamModel(call, context).then(() => {
        finish(status.OK);
      }, fail);
    },

    Push(call, callback) {
      const finish = trackCall(metrics, SERVICE, 'Push', 'client_stream');
      let lease: PushLease | undefined;
      let assembly: GradientAssembly | undefined;
      /** The buffer while this handler owns it; the round engine owns it once the push completes. */
      let buffer: Float32Array | undefined;
      let header: { workerId: number; round: number } | undefined;
      let settled = false;

      /** `counted`: the refusal was counted where it happened (call-refusals). */
      const reject = (error: unknown, counted = false) => {
        if (settled) return;
        settled = true;
        clearTimeout(timeout);
        lease?.release();
        if (buffer !== undefined) context.buffers.release(buffer);
        buffer = undefined;
        const serviceError = toServiceError(error, metrics, log, !counted);
        callback(serviceError);
        finish(serviceError.code);
      };
      const timeout = setTimeout(() => {
        reject(new LimitExceededError('stream_timeout', `push stream stayed open longer than ${context.pushTimeoutMs} ms (--push-timeout-ms); send all chunks, then close the stream`));
      }, context.pushTimeoutMs);

      try {
        admit(call.metadata);
      } catch (error) {
        reject(error);
        return;
      }

      call.on('data', (chunk: GradientChunk__Output) => {
        if (settled) return;
        metrics.gradientBytesReceived.inc(chunk.data.byteLength);
        try {
          if (header === undefined) {
            header = { workerId: chunk.workerId, round: chunk.round };
            context.workerAuth.authorizeAs(call.metadata, engine.workerName(chunk.workerId));
            lease = engine.beginPush(chunk.workerId, chunk.round);
            buffer = context.buffers.allocate(context.dimension);
            assembly = new GradientAssembly({ dimension: context.dimension, maxChunkBytes: context.maxChunkBytes }, buffer);
          } else if (chunk.workerId !== header.workerId || chunk.round !== header.round) {
            throw new InvalidGradientError(
              'inconsistent_chunk',
              `chunk says worker ${chunk.workerId}, round ${chunk.round}; the stream began with worker ${header.workerId}, round ${header.round}`,
            );
          }
          assembly!.addChunk(chunk.offset, chunk.data);
        } catch (error) {
          reject(error);
        }
      });

      call.on('end', () => {
        if (settled) return;
        try {
          if (assembly === undefined || lease === undefined) throw new InvalidGradientError('wrong_length', 'push stream ended without any chunk');
          const round = lease.complete(assembly.finish());
          buffer = undefined;
          settled = true;
          clearTimeout(timeout);
          callback(null, { accepted: true, round });
          finish(status.OK);
        } catch (error) {
          reject(error);
        }
      });

      call.on('cancelled', () => {
        // grpc-js cancels the call when it refuses a chunk itself (too large, undecodable).
        const refused = transportRefusal(call);
        reject(refused ?? new CancelledError('cancelled', 'the worker cancelled the push or disconnected'), refused !== undefined);
      });
    },
  };
}

/**
 * Streams θ_r to one worker in chunks, with the faults queued for it in the first chunk, respecting
 * flow control; a client that stops reading is cut off after --pull-timeout-ms.
 */
async function streamModel(call: ServerWritableStream<PullRequest__Output, ModelChunk>, context: ParameterServerContext): Promise<void> {
  const { engine } = context;
  const deadline = AbortSignal.timeout(context.pullTimeoutMs);
  const workerId = call.request.workerId;
  engine.touch(workerId);
  const faults = context.faults.take(engine.workerName(workerId));
  // θ_r is borrowed for the stream, so the chunks are views on it and stay consistent if rounds close meanwhile.
  const borrowed = engine.borrowParameters();
  const { round, parameters } = borrowed;
  try {
    let first = true;
    for (const chunk of tensorChunks(parameters, MAX_CHUNK_BYTES)) {
      if (call.cancelled) return;
      const message: ModelChunk = { round, offset: chunk.offset, data: chunk.data, dimension: parameters.length, faults: first ? faults : [] };
      first = false;
      if (!call.write(message)) await drainedOrGone(call, deadline, context.pullTimeoutMs);
    }
  } finally {
    borrowed.release();
  }
  call.end();
}

/** Resolves when the client has read what was buffered or has gone; rejects when `deadline` passes first. */
function drainedOrGone(call: ServerWritableStream<PullRequest__Output, ModelChunk>, deadline: AbortSignal, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (timedOut: boolean) => () => {
      call.off('drain', drained);
      call.off('cancelled', drained);
      deadline.removeEventListener('abort', expired);
      if (timedOut) reject(new LimitExceededError('stream_timeout', `the client read θ for longer than ${timeoutMs} ms (--pull-timeout-ms); read the pull stream as it arrives`));
      else resolve();
    };
    const drained = settle(false);
    const expired = settle(true);
    if (deadline.aborted) {
      expired();
      return;
    }
    call.on('drain', drained);
    call.on('cancelled', drained);
    deadline.addEventListener('abort', expired, { once: true });
  });
}
