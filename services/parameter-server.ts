import type { EvaluationReport__Output, GradientChunk__Output, ModelChunk, ObserveRequest__Output, ParameterServerHandlers, PullRequest__Output, ShardInfo } from '../proto/protocol.js';
import { MAX_CHUNK_BYTES, tensorChunks } from '../proto/tensor-chunks.js';
import { BYTES_PER_VALUE, GRADIENT_ENCODINGS, type GradientEncoding } from '../proto/tensor-encoding.js';
import type { WorkerAuthenticator } from './auth.js';
import { InvalidGradientError, InvalidRequestError, LimitExceededError, PullWaitExpiredError, WrongShardError } from './errors.js';
import type { ServerEvents } from './events.js';
import type { FaultQueue } from './faults.js';
import { withTimeLimit, type CallContext, type HandlerKit, type Send } from './handlers.js';
import { GradientAssembly, type GradientBuffers } from './ingest.js';
import type { BorrowedParameters, PushLease, RoundEngine } from './round.js';
import { WORKER_NAME } from './worker-name.js';

/** What the worker-facing handlers need from the server. */
export interface ParameterServerContext {
  readonly engine: RoundEngine;
  readonly kit: HandlerKit;
  readonly events: ServerEvents;
  readonly taskName: string;
  /** d: coordinates of θ and of every gradient, whole. */
  readonly dimension: number;
  /** A shard of a sharded server: the coordinates it owns, and every shard for JoinReply.shards. Unsharded without. */
  readonly shard?: { readonly index: number; readonly start: number; readonly end: number; readonly map: readonly ShardInfo[] };
  readonly workerAuth: WorkerAuthenticator;
  readonly maxChunkBytes: number;
  /** Longest a Pull or Observe waits for the round it asked for. */
  readonly pullWaitMs: number;
  /** Longest a client may take to read θ once it is being streamed. */
  readonly pullTimeoutMs: number;
  /** Longest a push stream may stay open. */
  readonly pushTimeoutMs: number;
  readonly buffers: GradientBuffers;
  readonly faults: FaultQueue;
  /** Counts the bytes of every gradient chunk received, accepted or not. */
  readonly countGradientBytes: (bytes: number) => void;
}

/**
 * The ParameterServer service's handlers: each translates the messages and calls the round
 * engine; the kit (handlers.ts) admits, counts and maps every failure to its status.
 */
export function parameterServerHandlers(context: ParameterServerContext): ParameterServerHandlers {
  const { engine, kit, workerAuth } = context;
  const shard = context.shard;
  /** Coordinates this server holds: all d, or its shard's range. */
  const held = shard === undefined ? context.dimension : shard.end - shard.start;
  const shards = shard === undefined ? [] : [...shard.map];

  return {
    Join: kit.unary('Join', (request: { workerName: string }, call) => {
      call.subject.worker = request.workerName;
      workerAuth.authorizeAs(call.metadata, request.workerName);
      const joined = engine.join(request.workerName);
      return {
        workerId: joined.workerId,
        task: context.taskName,
        dimension: context.dimension,
        round: joined.round,
        maxChunkBytes: context.maxChunkBytes,
        pullWaitMs: context.pullWaitMs,
        gradientEncodings: [...GRADIENT_ENCODINGS],
        shards,
      };
    }),

    Pull: kit.serverStream('Pull', async (request: PullRequest__Output, call, send: Send<ModelChunk>) => {
      const worker = engine.workerName(request.workerId);
      call.subject.worker = worker;
      workerAuth.authorizeAs(call.metadata, worker);
      const borrowed = await waitForParameters(context, call, request.minRound, (signal) => engine.awaitParameters(request.minRound, signal, { workerId: request.workerId }));
      // Faults are taken only once θ is on its way, so a long poll that ends early loses none.
      await streamParameters(context, call, send, borrowed, context.faults.take(worker));
      context.events.emit('parametersServed', { role: 'worker', round: borrowed.round, worker });
    }),

    Observe: kit.serverStream('Observe', async (request: ObserveRequest__Output, call, send: Send<ModelChunk>) => {
      const borrowed = await waitForParameters(context, call, request.minRound, (signal) => engine.awaitParameters(request.minRound, signal, { peer: call.peer }));
      await streamParameters(context, call, send, borrowed, []);
      context.events.emit('parametersServed', { role: 'observer', round: borrowed.round });
    }),

    ReportEvaluation: kit.unary('ReportEvaluation', (report: EvaluationReport__Output) => {
      const evaluation = checkedEvaluation(report, engine.round);
      context.events.emit('evaluated', evaluation);
      return { round: engine.round };
    }),

    Push: kit.clientStream(
      'Push',
      async (chunks: AsyncIterable<GradientChunk__Output>, call) => {
        let lease: PushLease | undefined;
        let assembly: GradientAssembly | undefined;
        /** The buffer while this handler owns it; the round engine owns it once the push completes. */
        let buffer: Float32Array | undefined;
        let header: { workerId: number; round: number; encoding: string } | undefined;
        try {
          for await (const chunk of chunks) {
            context.countGradientBytes(chunk.data.byteLength);
            if (header === undefined) {
              header = { workerId: chunk.workerId, round: chunk.round, encoding: chunk.encoding };
              call.subject.round = chunk.round;
              call.subject.worker = engine.workerName(chunk.workerId);
              workerAuth.authorizeAs(call.metadata, call.subject.worker);
              const encoding = gradientEncoding(chunk.encoding);
              lease = engine.beginPush(chunk.workerId, chunk.round);
              buffer = context.buffers.allocate(held);
              assembly = new GradientAssembly({ dimension: held, maxChunkBytes: context.maxChunkBytes, encoding }, buffer);
            } else if (chunk.workerId !== header.workerId || chunk.round !== header.round || chunk.encoding !== header.encoding) {
              throw new InvalidGradientError(
                'inconsistent_chunk',
                `chunk says worker ${chunk.workerId}, round ${chunk.round}, ${chunk.encoding}; the stream began with worker ${header.workerId}, round ${header.round}, ${header.encoding}`,
              );
            }
            assembly!.addChunk(shard === undefined ? chunk.offset : ownOffset(shard, chunk.offset, chunk.data.byteLength, header.encoding), chunk.data);
          }
          if (lease === undefined || assembly === undefined) throw new InvalidGradientError('wrong_length', 'push stream ended without any chunk');
          const gradient = assembly.finish();
          buffer = undefined;
          return { accepted: true, round: lease.complete(gradient) };
        } catch (error) {
          lease?.refuse();
          throw error;
        } finally {
          if (buffer !== undefined) context.buffers.release(buffer);
        }
      },
      {
        ms: context.pushTimeoutMs,
        error: () => new LimitExceededError('stream_timeout', `push stream stayed open longer than ${context.pushTimeoutMs} ms (--push-timeout-ms); send all chunks, then close the stream`),
      },
    ),
  };
}

/** A chunk's offset within the shard's range; a chunk reaching outside the range belongs to another shard. */
function ownOffset(shard: { readonly index: number; readonly start: number; readonly end: number }, offset: number, bytes: number, encoding: string): number {
  const count = Math.floor(bytes / ((BYTES_PER_VALUE as Readonly<Record<string, number | undefined>>)[encoding] ?? 4));
  if (offset < shard.start || offset + count > shard.end) throw new WrongShardError(offset, offset + count, shard.start, shard.end, shard.index);
  return offset - shard.start;
}

/** An evaluator's report as an `evaluated` event, once it is plausible: a round that has opened, finite numbers, an accuracy in [0, 1]. */
function checkedEvaluation(report: EvaluationReport__Output, openRound: number): { round: number; loss: number; accuracy?: number; seconds: number; evaluator: string } {
  const refuse = (problem: string): never => {
    throw new InvalidRequestError('bad_request', `evaluation report: ${problem}`);
  };
  if (report.round > openRound) refuse(`round ${report.round} has not opened yet (the open round is ${openRound})`);
  if (!Number.isFinite(report.loss)) refuse(`loss must be finite, got ${report.loss}`);
  const accuracy = report.hasAccuracy ? report.accuracy : undefined;
  if (accuracy !== undefined && !(accuracy >= 0 && accuracy <= 1)) refuse(`accuracy must be in [0, 1], got ${accuracy}`);
  if (!(Number.isFinite(report.seconds) && report.seconds >= 0)) refuse(`seconds must be finite and ≥ 0, got ${report.seconds}`);
  if (report.evaluator !== '' && !WORKER_NAME.test(report.evaluator)) refuse('evaluator must be 1–64 characters of A–Z a–z 0–9 . _ : -');
  return { round: report.round, loss: report.loss, ...(accuracy === undefined ? {} : { accuracy }), seconds: report.seconds, evaluator: report.evaluator === '' ? 'evaluator' : report.evaluator };
}

/** The encoding a push declares, if the server takes it. */
function gradientEncoding(declared: string): GradientEncoding {
  const encoding = GRADIENT_ENCODINGS.find((known) => known === declared);
  if (encoding === undefined) throw new InvalidGradientError('bad_encoding', `unknown tensor encoding ${JSON.stringify(declared)}; the server takes ${GRADIENT_ENCODINGS.join(', ')}`);
  return encoding;
}

/** The long poll: the engine's wait, bounded by --pull-wait-ms, after which the client is told to ask again. */
async function waitForParameters(
  context: ParameterServerContext,
  call: CallContext,
  minRound: number,
  wait: (signal: AbortSignal) => Promise<BorrowedParameters>,
): Promise<BorrowedParameters> {
  const limit = withTimeLimit(call.signal, context.pullWaitMs, () => new PullWaitExpiredError(minRound, context.engine.round, context.pullWaitMs));
  try {
    return await wait(limit.signal);
  } finally {
    limit.clear();
  }
}

/**
 * Streams a borrowed θ in chunks, with `faults` in the first chunk, respecting flow control; a
 * client that takes longer than --pull-timeout-ms to read it is cut off.
 */
async function streamParameters(context: ParameterServerContext, call: CallContext, send: Send<ModelChunk>, borrowed: BorrowedParameters, faults: ModelChunk['faults']): Promise<void> {
  const { pullTimeoutMs } = context;
  const limit = withTimeLimit(call.signal, pullTimeoutMs, () => new LimitExceededError('stream_timeout', `the client read θ for longer than ${pullTimeoutMs} ms (--pull-timeout-ms); read the pull stream as it arrives`));
  const { round, parameters } = borrowed;
  // A shard streams its range of θ at the range's place in the whole.
  const start = context.shard?.start ?? 0;
  try {
    let first = true;
    for (const chunk of tensorChunks(parameters, MAX_CHUNK_BYTES)) {
      limit.signal.throwIfAborted();
      await send({ round, offset: chunk.offset + start, data: chunk.data, dimension: context.dimension, faults: first ? faults : [] }, limit.signal);
      first = false;
    }
  } finally {
    limit.clear();
    borrowed.release();
  }
}
