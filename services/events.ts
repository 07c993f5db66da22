import type { Diagnostics } from '../aggregators/index.js';
import type { RejectReason } from '../runtime/metrics.js';

/** What a closed round did. */
export interface ClosedRound {
  readonly round: number;
  /** Names of the workers whose gradients were aggregated, in the order the rule saw them. */
  readonly workerNames: readonly string[];
  readonly diagnostics: Diagnostics;
  readonly rule: string;
  /** Whether the deadline closed it, rather than the last awaited worker's gradient. */
  readonly closedByDeadline: boolean;
  /** Workers the round waited for. */
  readonly awaited: number;
  readonly roundSeconds: number;
  readonly aggregationSeconds: number;
  readonly learningRate: number;
  readonly updateNorm: number;
}

/** A round that has just opened, with θ_r valid only while the listener runs. */
export interface OpenedRound {
  readonly round: number;
  readonly parameters: Float32Array;
}

/**
 * Everything a running server reports, as typed events. The round engine, the handlers, the
 * checkpointer and the evaluator emit them; metrics, logs, `byzps start`, the experiment runner
 * and the tests subscribe (docs/ARCHITECTURE.md).
 */
export interface ServerEventMap {
  workerJoined: { readonly worker: string; readonly workerId: number; readonly rejoined: boolean };
  roundOpened: OpenedRound;
  gradientAccepted: { readonly worker: string; readonly round: number };
  /** A call refused with a domain error; `worker` and `round` when the call got that far. */
  callRefused: { readonly method: string; readonly reason: RejectReason; readonly worker?: string; readonly round?: number };
  /** θ streamed to a worker (role 'worker') or an observer. */
  parametersServed: { readonly role: 'worker' | 'observer'; readonly round: number; readonly worker?: string };
  roundClosed: ClosedRound;
  /** An awaited worker missed a round's deadline; it is awaited again after `probation` accepted pushes in a row. */
  workerEvicted: { readonly worker: string; readonly round: number; readonly probation: number };
  /** The deadline passed with fewer gradients than the quorum: the round stays open. */
  quorumWait: { readonly round: number; readonly received: number; readonly quorum: number };
  /** The coordinator of a sharded server sent step `step` of `round` to the other shards and has all their replies, after `seconds`. */
  shardExchange: { readonly round: number; readonly step: number; readonly task: 'summarize' | 'apply'; readonly seconds: number };
  aggregationFailed: { readonly round: number; readonly error: unknown };
  /** A shard of a sharded server went back (or stayed) at round `to` to agree with the others: what round `from` held was dropped. */
  roundRewound: { readonly from: number; readonly to: number };
  checkpointWritten: { readonly round: number; readonly path: string };
  checkpointFailed: { readonly round: number; readonly error: unknown };
  /** `evaluator`: who measured it, when an evaluator process reported it (ReportEvaluation); absent for the server's own evaluation. */
  evaluated: { readonly round: number; readonly loss: number; readonly accuracy?: number; readonly seconds: number; readonly evaluator?: string };
  evaluationFailed: { readonly round: number; readonly problem: string };
}

export type ServerEventName = keyof ServerEventMap;
export type Listener<K extends ServerEventName> = (event: ServerEventMap[K]) => void;

/**
 * Synchronous, typed publish–subscribe. Listeners run in subscription order inside `emit`; one that
 * throws is reported to `onListenerError` and the others still run, so a subscriber's bug never
 * stops a round.
 */
export class ServerEvents {
  private readonly listeners = new Map<ServerEventName, Set<(event: never) => void>>();

  constructor(private readonly onListenerError: (name: ServerEventName, error: unknown) => void = () => undefined) {}

  /** Subscribes `listener` to `name`; returns the function that unsubscribes it. */
  on<K extends ServerEventName>(name: K, listener: Listener<K>): () => void {
    let set = this.listeners.get(name);
    if (set === undefined) this.listeners.set(name, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  /** Resolves with the first `name` event `accept` takes; rejects when `signal` aborts first. */
  next<K extends ServerEventName>(name: K, accept: (event: ServerEventMap[K]) => boolean, signal?: AbortSignal): Promise<ServerEventMap[K]> {
    return new Promise((resolve, reject) => {
      const aborted = () => {
        off();
        reject(signal!.reason as Error);
      };
      const off = this.on(name, (event) => {
        if (!accept(event)) return;
        off();
        signal?.removeEventListener('abort', aborted);
        resolve(event);
      });
      if (signal?.aborted === true) aborted();
      else signal?.addEventListener('abort', aborted, { once: true });
    });
  }

  emit<K extends ServerEventName>(name: K, event: ServerEventMap[K]): void {
    for (const listener of this.listeners.get(name) ?? []) {
      try {
        (listener as Listener<K>)(event);
      } catch (error) {
        this.onListenerError(name, error);
      }
    }
  }
}
