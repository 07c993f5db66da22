import {
  Metadata,
  status,
  type handleClientStreamingCall,
  type handleServerStreamingCall,
  type handleUnaryCall,
  type ServerWritableStream,
  type ServiceError,
} from '@grpc/grpc-js';
import type { Logger } from '../runtime/logger.js';
import type { ServerMetrics } from '../runtime/metrics.js';
import { transportRefusal } from './call-refusals.js';
import { CancelledError, ServerError } from './errors.js';
import type { ServerEvents } from './events.js';
import { toCallStatus } from './status-codes.js';

/** What a handler body sees of its call. */
export interface CallContext {
  readonly metadata: Metadata;
  /** Aborted when the client cancels or disconnects, or the call's time limit passes. */
  readonly signal: AbortSignal;
  /** Who and which round the call is about, once the body knows: reported with a refusal. */
  readonly subject: { worker?: string; round?: number };
  /** The client's address and port: one connection. */
  readonly peer: string;
}

/**
 * Sends one message of a server stream, waiting while the client's flow-control window is full;
 * the wait ends with the reason of `signal` (the call's own by default) when it aborts first.
 */
export type Send<Message> = (message: Message, signal?: AbortSignal) => Promise<void>;

/** A limit on how long a whole call may take, and the error that ends it. */
export interface TimeLimit {
  readonly ms: number;
  readonly error: () => ServerError;
}

/** How each service admits a call before its body runs (authentication, shutdown). */
export type Admit = (metadata: Metadata, method: string) => void;

type CallType = 'unary' | 'client_stream' | 'server_stream';

/**
 * The one wrapper every gRPC handler of both services goes through: it admits the call, gives the
 * body a cancel signal, counts the call in grpc_server_* metrics, and turns whatever the body
 * throws into a status through the one mapping (status-codes.ts), reporting domain refusals as
 * `callRefused` events (counted by reason, logged at debug) and anything else as a server fault.
 * A call the transport refused while its body ran (a push message too large or undecodable) ends
 * with that refusal, which call-refusals.ts has already reported.
 */
export class HandlerKit {
  constructor(
    private readonly service: string,
    private readonly admit: Admit,
    private readonly metrics: ServerMetrics,
    private readonly events: ServerEvents,
    private readonly log: Logger,
  ) {}

  unary<Request, Reply>(method: string, body: (request: Request, call: CallContext) => Reply | Promise<Reply>): handleUnaryCall<Request, Reply> {
    return (call, callback) => {
      const context = this.begin(method, 'unary', call.metadata, call);
      this.run(context, () => body(call.request, context.call)).then(
        (reply) => {
          callback(null, reply);
          context.finish(status.OK);
        },
        (error: unknown) => {
          callback(this.fail(context, error));
        },
      );
    };
  }

  /** A server stream: `send` respects the client's flow control and ends with the call's signal. */
  serverStream<Request, Message>(method: string, body: (request: Request, call: CallContext, send: Send<Message>) => Promise<void>): handleServerStreamingCall<Request, Message> {
    return (call) => {
      const context = this.begin(method, 'server_stream', call.metadata, call);
      const send: Send<Message> = (message, signal = context.call.signal) => (call.write(message) ? Promise.resolve() : drained(call, signal));
      this.run(context, () => body(call.request, context.call, send)).then(
        () => {
          call.end();
          context.finish(status.OK);
        },
        (error: unknown) => {
          call.emit('error', this.fail(context, error));
        },
      );
    };
  }

  /** A client stream, read by the body with `for await`; `limit` bounds the whole call. */
  clientStream<Request, Reply>(method: string, body: (messages: AsyncIterable<Request>, call: CallContext) => Promise<Reply>, limit?: TimeLimit): handleClientStreamingCall<Request, Reply> {
    return (call, callback) => {
      const context = this.begin(method, 'client_stream', call.metadata, call, limit);
      // An abort ends the read loop: destroying the stream makes `for await` throw the reason.
      context.call.signal.addEventListener('abort', () => call.destroy(context.call.signal.reason as Error), { once: true });
      this.run(context, () => body(call, context.call)).then(
        (reply) => {
          callback(null, reply);
          context.finish(status.OK);
        },
        (error: unknown) => {
          callback(this.fail(context, error));
        },
      );
    };
  }

  private begin(method: string, type: CallType, metadata: Metadata, call: { readonly metadata: Metadata; on(event: 'cancelled', listener: () => void): unknown; getPeer(): string }, limit?: TimeLimit) {
    const labels = { grpc_service: this.service, grpc_method: method, grpc_type: type };
    this.metrics.grpcStarted.inc(labels);
    const stopTimer = this.metrics.grpcHandlingSeconds.startTimer(labels);
    const controller = new AbortController();
    /** A refusal the transport made and already reported (call-refusals.ts): the call ends with it, uncounted. */
    let reported: ServerError | undefined;
    call.on('cancelled', () => {
      reported = transportRefusal(call);
      controller.abort(reported ?? new CancelledError('cancelled', 'the client cancelled the call or disconnected'));
    });
    const timer = limit === undefined ? undefined : setTimeout(() => { controller.abort(limit.error()); }, limit.ms);
    let finished = false;
    return {
      method,
      isReported: (error: unknown) => error !== undefined && error === reported,
      call: { metadata, signal: controller.signal, subject: {}, peer: call.getPeer() } satisfies CallContext,
      finish: (code: status) => {
        clearTimeout(timer);
        if (finished) return;
        finished = true;
        this.metrics.grpcHandled.inc({ ...labels, grpc_code: status[code] });
        stopTimer();
      },
    };
  }

  private async run<T>(context: ReturnType<HandlerKit['begin']>, body: () => T | Promise<T>): Promise<T> {
    this.admit(context.call.metadata, context.method);
    return body();
  }

  /** The status a failed call ends with; a call cut off by its signal ends with the signal's reason. */
  private fail(context: ReturnType<HandlerKit['begin']>, thrown: unknown): ServiceError {
    const { signal, subject } = context.call;
    const error: unknown = signal.aborted && !(thrown instanceof ServerError) ? (signal.reason as unknown) : thrown;
    const { code, details } = toCallStatus(error);
    if (error instanceof ServerError && !context.isReported(error)) {
      this.events.emit('callRefused', { method: context.method, reason: error.reason, ...subject });
      this.log.debug({ method: context.method, reason: error.reason, code: status[code], ...subject }, details);
    } else if (code === status.INTERNAL) {
      this.log.error({ err: error, method: context.method }, 'unexpected error while handling a call');
    }
    context.finish(code);
    return Object.assign(new Error(details), { code, details, metadata: new Metadata() });
  }
}

/** Resolves when the client has read what was buffered; rejects with the reason when `signal` aborts first. */
function drained(call: ServerWritableStream<unknown, unknown>, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = () => {
      call.off('drain', done);
      signal.removeEventListener('abort', aborted);
      resolve();
    };
    const aborted = () => {
      call.off('drain', done);
      reject(signal.reason as Error);
    };
    if (signal.aborted) {
      reject(signal.reason as Error);
      return;
    }
    call.on('drain', done);
    signal.addEventListener('abort', aborted, { once: true });
  });
}

/** A signal that aborts with `parent`, or with `error()` once `ms` have passed; `clear` stops the timer. */
export function withTimeLimit(parent: AbortSignal, ms: number, error: () => Error): { signal: AbortSignal; clear(): void } {
  const controller = new AbortController();
  const timer = setTimeout(() => { controller.abort(error()); }, ms);
  const forward = () => { controller.abort(parent.reason); };
  if (parent.aborted) forward();
  else parent.addEventListener('abort', forward, { once: true });
  return {
    signal: controller.signal,
    clear: () => {
      clearTimeout(timer);
      parent.removeEventListener('abort', forward);
    },
  };
}
