import { type Metadata, type ServerInterceptingCallInterface, ServerInterceptingCall, type ServerInterceptor, type ServiceDefinition, status } from '@grpc/grpc-js';
import { InvalidRequestError, LimitExceededError, type ServerError } from './errors.js';
import type { ServerEventMap } from './events.js';

/**
 * Calls that grpc-js refuses below every handler: a request message beyond
 * `grpc.max_receive_message_length`, and (with services wrapped by decodingSafely) a request body
 * that does not decode. Each is reported once to a callback, for every method of every service,
 * and an undecodable body is refused with INVALID_ARGUMENT instead of grpc-js's INTERNAL.
 *
 * A handler that is already running when such a refusal comes (a client-streaming one such as
 * Push) sees its call cancelled; it asks transportRefusal(call) so as not to count that cancel a
 * second time.
 */

/** The status a call ends with (grpc-js does not export its name for it). */
type CallStatus = Parameters<ServerInterceptingCallInterface['sendStatus']>[0];

export type RefusalReason = 'message_too_large' | 'malformed';

export interface CallRefusal {
  /** Fully qualified service name, e.g. byzps.v1.ParameterServer. */
  readonly service: string;
  readonly method: string;
  readonly reason: RefusalReason;
  /** The status the caller received. */
  readonly code: status;
  readonly details: string;
}

/** What a wrapped deserializer returns for bytes that do not decode; only the interceptor ever sees it. */
class UndecodableRequest {
  constructor(readonly problem: string) {}
}

/** Refused calls, keyed by their request metadata: the object a handler sees as `call.metadata`. */
const refusedCalls = new WeakMap<Metadata, ServerError>();

/**
 * Why grpc-js refused a call that its handler sees cancelled, as the error the handler would have
 * ended it with (its status is the one the caller got); undefined if the call was not refused here.
 * The refusal is already counted: the handler must not count it again.
 */
export function transportRefusal(call: { readonly metadata: Metadata }): ServerError | undefined {
  return refusedCalls.get(call.metadata);
}

/**
 * A copy of `definition` whose request deserializers return a marker instead of throwing, so that
 * an undecodable body reaches refusalInterceptor (which must then be installed on the server)
 * rather than grpc-js's INTERNAL "Error deserializing request".
 */
export function decodingSafely<Definition extends ServiceDefinition>(definition: Definition): Definition {
  const wrapped: Record<string, Definition[keyof Definition]> = {};
  for (const [name, method] of Object.entries(definition) as [string, Definition[keyof Definition]][]) {
    wrapped[name] = {
      ...method,
      requestDeserialize: (bytes: Buffer): unknown => {
        try {
          return method.requestDeserialize(bytes);
        } catch (error) {
          return new UndecodableRequest(error instanceof Error ? error.message : String(error));
        }
      },
    };
  }
  return wrapped as unknown as Definition;
}

/** '/byzps.v1.Control/Status' → byzps.v1.Control, Status. */
function splitPath(path: string): { service: string; method: string } {
  const slash = path.lastIndexOf('/');
  return { service: path.slice(1, slash), method: path.slice(slash + 1) };
}

/**
 * A server interceptor (it must come first in `interceptors`) that reports every call grpc-js
 * refuses for its request message: too large (RESOURCE_EXHAUSTED, from grpc-js) or, on services
 * wrapped by decodingSafely, undecodable (INVALID_ARGUMENT, sent here). `onRefused` is called
 * once per refused call, before the handler, if any, sees the call cancelled.
 */
export function refusalInterceptor(onRefused: (refusal: CallRefusal) => void): ServerInterceptor {
  return (descriptor, call) => {
    const { service, method } = splitPath(descriptor.path);
    let metadata: Metadata | undefined;
    /** Set once the call has a status on its way: from the handler, from grpc-js, or refused here. */
    let ended = false;
    const refuse = (reason: RefusalReason, code: status, details: string) => {
      if (metadata !== undefined) refusedCalls.set(metadata, reason === 'malformed' ? new InvalidRequestError(reason, details) : new LimitExceededError(reason, details));
      onRefused({ service, method, reason, code, details });
    };
    // grpc-js sends the statuses it makes itself (a message too large for the limit) from the call
    // below every interceptor, with this.sendStatus: no listener or responder sees them, so the one
    // place to observe them is that method of the call handed to the first interceptor.
    const sendStatus = call.sendStatus.bind(call);
    call.sendStatus = (ending: CallStatus) => {
      if (!ended && ending.code === status.RESOURCE_EXHAUSTED) refuse('message_too_large', ending.code, ending.details);
      ended = true;
      sendStatus(ending);
    };
    return new ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(received, nextMetadata) {
            metadata = received;
            nextMetadata(received);
          },
          onReceiveMessage(message, nextMessage) {
            if (!(message instanceof UndecodableRequest)) {
              nextMessage(message);
              return;
            }
            // Not passed on: the handler never sees the marker, and grpc-js cancels the call for it.
            const details = `the request body of ${descriptor.path} does not decode: ${message.problem}`;
            ended = true;
            refuse('malformed', status.INVALID_ARGUMENT, details);
            sendStatus({ code: status.INVALID_ARGUMENT, details });
          },
        });
      },
      sendStatus(ending, next) {
        ended = true;
        next(ending);
      },
    });
  };
}

/**
 * A refusal as the server's `callRefused` event reports it (metrics count it from there): a push
 * refused for a message too large counts as a chunk too large, as the handler's own check does.
 */
export function asCallRefused(refusal: CallRefusal): ServerEventMap['callRefused'] {
  const push = refusal.service === 'byzps.v1.ParameterServer' && refusal.method === 'Push';
  return { method: refusal.method, reason: push && refusal.reason === 'message_too_large' ? 'chunk_too_large' : refusal.reason };
}
