import { type Metadata, type sendUnaryData, type ServerUnaryCall, status } from '@grpc/grpc-js';
import type { Aggregator, RuleSpec } from '../aggregators/index.js';
import type { ControlHandlers, RuleSpecMessage, RuleSpecMessage__Output } from '../proto/protocol.js';
import type { Logger } from '../runtime/logger.js';
import type { ServerMetrics } from '../runtime/metrics.js';
import { authenticate, bearerToken, type WorkerAuthenticator } from './auth.js';
import { InvalidRequestError, PermissionError, ServiceOffError } from './errors.js';
import type { FaultQueue } from './faults.js';
import { toServiceError, trackCall } from './grpc-calls.js';
import type { RoundEngine } from './round.js';

const SERVICE = 'byzps.v1.Control';

/** What the operator-facing handlers need from the server. */
export interface ControlContext {
  readonly engine: RoundEngine;
  readonly taskName: string;
  readonly dimension: number;
  readonly adminToken: string;
  readonly workerAuth: WorkerAuthenticator;
  readonly faults: FaultQueue;
  readonly checkpointNow: () => Promise<{ round: number; path: string }>;
  /** Builds (and validates) a rule the way the server runs its rules. */
  readonly buildRule: (spec: RuleSpec) => Aggregator;
  readonly metrics: ServerMetrics;
  readonly log: Logger;
}

/** The rule as the protocol describes it: resolved parameters as text, pre-aggregators as requested. */
function describeRule(rule: Aggregator, pre: RuleSpecMessage['pre']): RuleSpecMessage {
  return { name: rule.name, f: rule.f, params: Object.fromEntries(Object.entries(rule.params).map(([key, value]) => [key, String(value)])), pre };
}

function ruleSpec(spec: RuleSpecMessage__Output): RuleSpec {
  return { name: spec.name, f: spec.f, params: spec.params, pre: spec.pre.map((pre) => ({ name: pre.name, params: pre.params })) };
}

/**
 * The Control service's handlers (status, rule changes, fault injection, pause/resume). Without an
 * admin token every call is refused with UNIMPLEMENTED (and counted); a worker's token is refused
 * with PERMISSION_DENIED.
 */
export function controlHandlers(context: ControlContext): ControlHandlers {
  const { engine, metrics, log } = context;

  const authorize = (metadata: Metadata) => {
    if (context.adminToken === '') throw new ServiceOffError();
    const presented = bearerToken(metadata);
    if (presented !== undefined && context.workerAuth.isWorkerToken(presented)) {
      throw new PermissionError('wrong_role', 'a worker token cannot call the control service; use the admin token');
    }
    authenticate(metadata, 'operator', context.adminToken);
  };

  /** Wraps a unary handler body with authentication, call metrics and the status mapping. */
  function unary<Request, Reply>(method: string, body: (request: Request) => Reply | Promise<Reply>) {
    return (call: ServerUnaryCall<Request, Reply>, callback: sendUnaryData<Reply>) => {
      const finish = trackCall(metrics, SERVICE, method, 'unary');
      Promise.resolve()
        .then(() => {
          authorize(call.metadata);
          return body(call.request);
        })
        .then(
          (reply) => {
            callback(null, reply);
            finish(status.OK);
          },
          (error: unknown) => {
            const serviceError = toServiceError(error, metrics, log, false);
            callback(serviceError);
            finish(serviceError.code);
          },
        );
    };
  }

  return {
    Status: unary('Status', () => ({
      round: engine.round,
      rule: engine.rule.name,
      byzantineBound: engine.rule.f,
      dimension: context.dimension,
      task: context.taskName,
      paused: engine.isPaused,
      gradientsReceived: engine.receivedCount,
      quorum: engine.quorum,
      workers: engine.workers().map((worker) => ({ workerId: worker.id, name: worker.name, pushedThisRound: worker.pushed, lastPushUnixMs: worker.lastPushUnixMs })),
    })),

    SetRule: unary('SetRule', (request: { rule: RuleSpecMessage__Output | null }) => {
      const spec = request.rule;
      if (spec === null || spec.name === '') throw new InvalidRequestError('bad_request', 'SetRule needs a rule with a name');
      const rule = context.buildRule(ruleSpec(spec));
      engine.setAggregator(rule);
      log.info({ rule: rule.name, f: rule.f, params: rule.params }, 'rule changed by an operator');
      return { rule: describeRule(rule, spec.pre) };
    }),

    InjectFault: unary('InjectFault', (request: { workerName: string; fault: { kind: string; params: Record<string, string> } | null }) => {
      if (!engine.workers().some((worker) => worker.name === request.workerName)) {
        throw new InvalidRequestError('unknown_worker', `no worker named ${JSON.stringify(request.workerName)} has joined`);
      }
      if (request.fault === null || request.fault.kind === '') throw new InvalidRequestError('bad_request', 'InjectFault needs a fault with a kind');
      context.faults.add(request.workerName, request.fault);
      log.info({ worker: request.workerName, fault: request.fault.kind }, 'fault queued by an operator');
      return {};
    }),

    Pause: unary('Pause', () => {
      engine.pause();
      log.info({ round: engine.round }, 'rounds paused by an operator');
      return { round: engine.round };
    }),

    Resume: unary('Resume', () => {
      engine.resume();
      log.info({ round: engine.round }, 'rounds resumed by an operator');
      return { round: engine.round };
    }),

    Checkpoint: unary('Checkpoint', () => context.checkpointNow()),
  };
}
